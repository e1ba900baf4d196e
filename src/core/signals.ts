/**
 * Every signal of core, in one place: what happened, after its commit. The emitter is handed
 * its signal when it is built; listeners subscribe. docs/architecture.md has the table
 * (signal → emitted by → heard by). What runs on a room append, inside the transaction and
 * after it, is listed in append-pipeline.ts; `eventAppended` is one of its after-commit hooks.
 */
import type { Logger } from "../logger.ts";
import type { EphemeralEvent } from "./ephemeral/ephemeral-event.ts";
import type { AppendedEvent } from "./rooms/appended-event.ts";
import { createSignal } from "./signal.ts";

/** A user's device (or one of their devices) and a stream position in it. */
export interface DeviceRef {
  user_id: string;
  device_id: string;
}

/** A per-user stream (account data, push rules) moved to `position`. */
export interface UserStreamChange {
  user_id: string;
  position: number;
}

export function createSignals(logger: Pick<Logger, "error">) {
  return {
    /** A room event committed (rooms/room-engine.ts, after commit). */
    eventAppended: createSignal<AppendedEvent>("eventAppended", logger),
    /** A device's to-device inbox received messages (e2ee/to-device.ts). */
    toDeviceDelivered: createSignal<DeviceRef>("toDeviceDelivered", logger),
    /** A user's device list changed: keys, devices, cross-signing (e2ee/device-lists.ts). */
    deviceListChanged: createSignal<string>("deviceListChanged", logger),
    /** A user's account data changed (users/account-data.ts). */
    accountDataChanged: createSignal<UserStreamChange>("accountDataChanged", logger),
    /** A user's push rules changed (push/push-rules.ts). */
    pushRulesChanged: createSignal<UserStreamChange>("pushRulesChanged", logger),
    /** Typing, a receipt or presence changed (sync/index.ts builds those services). */
    ephemeral: createSignal<EphemeralEvent>("ephemeral", logger),
    /** A user was deactivated (users/accounts.ts). */
    userDeactivated: createSignal<string>("userDeactivated", logger),
    /** A user's profile field changed (users/profiles.ts). */
    profileChanged: createSignal<{ user_id: string; field: string; value: unknown }>("profileChanged", logger),
    /** Devices were deleted, with their tokens (users/devices.ts). */
    devicesDeleted: createSignal<{ user_id: string; device_ids: string[] }>("devicesDeleted", logger),
  };
}

export type Signals = ReturnType<typeof createSignals>;
