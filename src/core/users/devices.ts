/**
 * A user's devices: created at login or registration, listed, renamed and deleted.
 * Deleting a device deletes its access and refresh tokens with it (ON DELETE CASCADE).
 * https://spec.matrix.org/v1.19/client-server-api/#device-management
 */
import { randomInt } from "node:crypto";
import { MatrixError, notFound } from "../../errors.ts";
import type { Stores } from "../../storage/index.ts";
import type { DeviceRow } from "../../storage/devices.ts";
import type { Clock } from "../clock.ts";
import type { Sessions } from "./sessions.ts";
import type { Requester } from "../requester.ts";
import type { Signal } from "../signal.ts";

export interface Device {
  device_id: string;
  display_name?: string;
  last_seen_ip?: string;
  last_seen_ts?: number;
}

const MAX_DEVICE_ID_BYTES = 255;
const MAX_DISPLAY_NAME_LENGTH = 256;

/** Ten upper-case letters, as Synapse and Conduit generate them. */
export function generateDeviceId(): string {
  return Array.from({ length: 10 }, () => String.fromCharCode(65 + randomInt(26))).join("");
}

export function createDevices(
  stores: Pick<Stores, "devices" | "transaction">,
  sessions: Pick<Sessions, "pendingLastSeen" | "forgetDevices">,
  clock: Clock,
  /** Emitted after devices were deleted: their keys and to-device inboxes go with them. */
  devicesDeleted: Pick<Signal<{ user_id: string; device_ids: string[] }>, "emit">,
) {
  /** The stored row with the last-seen data not flushed yet. */
  function toDevice(row: DeviceRow): Device {
    const pending = sessions.pendingLastSeen(row.user_id, row.device_id);
    const ts = pending?.ts ?? row.last_seen_ts;
    const ip = pending ? pending.ip : row.last_seen_ip;
    return {
      device_id: row.device_id,
      ...(row.display_name !== null ? { display_name: row.display_name } : {}),
      ...(ip ? { last_seen_ip: ip } : {}),
      ...(ts !== null ? { last_seen_ts: ts } : {}),
    };
  }

  const devices = {
    list(userId: string): Device[] {
      return stores.devices.selectDevicesByUser(userId).map(toDevice);
    },

    get(userId: string, deviceId: string): Device {
      const row = stores.devices.selectDevice(userId, deviceId);
      if (!row) throw notFound("Unknown device");
      return toDevice(row);
    },

    exists(userId: string, deviceId: string): boolean {
      return stores.devices.selectDevice(userId, deviceId) !== null;
    },

    /**
     * PUT /devices/{deviceId}: renames the device; an application service acting as one of
     * its users creates it when it does not exist (MSC4190, spec v1.17). Returns whether it was created.
     */
    put(
      requester: Pick<Requester, "user_id" | "appservice_id">,
      deviceId: string,
      displayName: string | undefined,
    ): { created: boolean } {
      if (requester.appservice_id !== undefined && !stores.devices.selectDevice(requester.user_id, deviceId)) {
        devices.ensure(requester.user_id, deviceId, displayName);
        return { created: true };
      }
      devices.rename(requester.user_id, deviceId, displayName);
      return { created: false };
    },

    rename(userId: string, deviceId: string, displayName: string | undefined): void {
      if (!stores.devices.selectDevice(userId, deviceId)) throw notFound("Unknown device");
      if (displayName === undefined) return;
      if (displayName.length > MAX_DISPLAY_NAME_LENGTH)
        throw new MatrixError("M_INVALID_PARAM", `display_name is longer than ${MAX_DISPLAY_NAME_LENGTH} characters`);
      stores.devices.updateDisplayName(userId, deviceId, displayName);
    },

    /**
     * The device a login or registration uses: the client's own id (created when new) or a
     * generated one. Returns whether it existed, in which case its old tokens must go.
     */
    ensure(
      userId: string,
      deviceId: string | undefined,
      displayName: string | undefined,
    ): { device_id: string; existed: boolean } {
      if (deviceId !== undefined) {
        if (deviceId === "" || Buffer.byteLength(deviceId) > MAX_DEVICE_ID_BYTES)
          throw new MatrixError("M_INVALID_PARAM", "Invalid device_id");
        if (stores.devices.selectDevice(userId, deviceId)) return { device_id: deviceId, existed: true };
      }
      const id = deviceId ?? generateDeviceId();
      const name = displayName === undefined ? null : displayName.slice(0, MAX_DISPLAY_NAME_LENGTH);
      stores.devices.insertDevice(userId, id, name, clock.now());
      return { device_id: id, existed: false };
    },

    /** Deletes the devices (unknown ids are ignored) and their tokens, then tells the listeners. */
    delete(userId: string, deviceIds: readonly string[]): void {
      devices.notifyDeleted(
        userId,
        stores.transaction(() => devices.deleteRows(userId, deviceIds)),
      );
    },

    /** Deletes every device of the user except `keepDeviceId`. */
    deleteAll(userId: string, keepDeviceId = ""): void {
      devices.delete(userId, stores.devices.selectDeviceIdsExcept(userId, keepDeviceId));
    },

    /**
     * The rows only, for a caller's own transaction; it calls notifyDeleted after commit.
     * Returns the ids that existed. Their tokens stop working at once (the cache forgets them).
     */
    deleteRows(userId: string, deviceIds: readonly string[]): string[] {
      const deleted = [...new Set(deviceIds)].filter(
        (deviceId) => stores.devices.deleteDevice(userId, deviceId).changes > 0,
      );
      sessions.forgetDevices(userId, deleted);
      return deleted;
    },

    notifyDeleted(userId: string, deviceIds: string[]): void {
      if (deviceIds.length > 0) devicesDeleted.emit({ user_id: userId, device_ids: deviceIds });
    },
  };
  return devices;
}

export type Devices = ReturnType<typeof createDevices>;
