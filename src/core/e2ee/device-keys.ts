/**
 * Device identity keys, one-time keys and fallback keys: upload, claim, and the counts
 * /sync reports. https://spec.matrix.org/v1.19/client-server-api/#device-keys
 */
import { MatrixError } from "../../errors.ts";
import { canonicalJson } from "../../matrix/canonical-json.ts";
import { splitKeyId } from "../../matrix/e2ee.ts";
import { serverNameOf } from "../../matrix/ids.ts";
import { verifyJsonSignature, type Signatures } from "../../matrix/signing.ts";
import type { Stores } from "../../storage/index.ts";
import type { Requester } from "../requester.ts";
import type { DeviceLists } from "./device-lists.ts";

export interface DeviceKeysObject {
  user_id: string;
  device_id: string;
  algorithms: string[];
  keys: Record<string, string>;
  signatures: Signatures;
  [field: string]: unknown;
}

/** A one-time or fallback key: a bare key string, or a signed object (`signed_curve25519`). */
export type KeyObject = string | { key: string; signatures?: Signatures; [field: string]: unknown };

export interface KeysUpload {
  device_keys?: DeviceKeysObject;
  one_time_keys?: Record<string, KeyObject>;
  fallback_keys?: Record<string, KeyObject>;
}

/** What /keys/claim and /keys/query report for servers they could not ask. */
export function unreachableServer(): Record<string, unknown> {
  return { status: 503, message: "Federation is not supported by this server" };
}

export function canonicalKeyJson(value: unknown): string {
  try {
    return canonicalJson(value);
  } catch (error) {
    throw new MatrixError("M_BAD_JSON", `Keys must be canonical JSON: ${(error as Error).message}`);
  }
}

export function createDeviceKeys(
  stores: Pick<Stores, "deviceKeys" | "crossSigning" | "transaction">,
  serverName: string,
  deviceLists: DeviceLists,
) {
  const keys = stores.deviceKeys;
  /**
   * The counts /sync reports in every response, per device: read once, dropped by every
   * write to the device's one-time or fallback keys (all of which are in this module).
   */
  const syncCounts = new Map<string, { oneTimeKeys: Record<string, number>; unusedFallback: string[] }>();
  const countsKey = (userId: string, deviceId: string) => `${userId}\u0000${deviceId}`;
  const forgetCounts = (userId: string, deviceId: string) => syncCounts.delete(countsKey(userId, deviceId));
  function countsOf(userId: string, deviceId: string) {
    const key = countsKey(userId, deviceId);
    let counts = syncCounts.get(key);
    if (counts === undefined) {
      const oneTimeKeys: Record<string, number> = { signed_curve25519: 0 };
      for (const row of keys.countOneTimeKeys(userId, deviceId)) oneTimeKeys[row.algorithm] = row.count;
      counts = { oneTimeKeys, unusedFallback: keys.selectUnusedFallbackAlgorithms(userId, deviceId) };
      if (syncCounts.size >= 100_000) syncCounts.clear();
      syncCounts.set(key, counts);
    }
    return counts;
  }

  /** Checks that device_keys belong to the requesting device and are signed by its own ed25519 key. */
  function checkDeviceKeys(requester: Requester, deviceKeys: DeviceKeysObject): string {
    if (deviceKeys.user_id !== requester.user_id || deviceKeys.device_id !== requester.device_id) {
      throw new MatrixError("M_INVALID_PARAM", "device_keys must be those of the device making the request");
    }
    const keyId = `ed25519:${requester.device_id}`;
    const ed25519 = deviceKeys.keys[keyId];
    if (!ed25519) throw new MatrixError("M_INVALID_PARAM", `device_keys must include the key ${keyId}`);
    if (!verifyJsonSignature(deviceKeys, requester.user_id, keyId, ed25519)) {
      throw new MatrixError("M_INVALID_SIGNATURE", "device_keys are not signed by the device's ed25519 key");
    }
    return ed25519;
  }

  /** Parses `<algorithm>:<id>` and checks a signed key's signature by the device. */
  function checkKey(requester: Requester, ed25519: string | undefined, name: string, key: KeyObject) {
    const parsed = splitKeyId(name);
    if (!parsed) throw new MatrixError("M_INVALID_PARAM", `Key name '${name}' is not <algorithm>:<key_id>`);
    if (typeof key === "object") {
      if (!ed25519)
        throw new MatrixError(
          "M_INVALID_PARAM",
          "Upload the device's device_keys before signed one-time or fallback keys",
        );
      if (!verifyJsonSignature(key, requester.user_id, `ed25519:${requester.device_id}`, ed25519)) {
        throw new MatrixError("M_INVALID_SIGNATURE", `Key '${name}' is not signed by the device's ed25519 key`);
      }
    }
    return { ...parsed, json: canonicalKeyJson(key) };
  }

  function storeDeviceKeys(requester: Requester, deviceKeys: DeviceKeysObject): boolean {
    const ed25519 = checkDeviceKeys(requester, deviceKeys);
    const json = canonicalKeyJson(deviceKeys);
    const existing = keys.selectDeviceKeys(requester.user_id, requester.device_id);
    if (existing?.key_json === json) return false;
    if (
      existing &&
      canonicalKeyJson((JSON.parse(existing.key_json) as DeviceKeysObject).keys) !== canonicalKeyJson(deviceKeys.keys)
    ) {
      // As Synapse does: a device's identity keys never change; new keys need a new device.
      throw new MatrixError(
        "M_INVALID_PARAM",
        "This device already has different identity keys; log in as a new device instead",
      );
    }
    keys.upsertDeviceKeys(requester.user_id, requester.device_id, ed25519, json);
    return true;
  }

  function storeOneTimeKeys(
    requester: Requester,
    ed25519: string | undefined,
    oneTimeKeys: Record<string, KeyObject>,
  ): void {
    for (const [name, key] of Object.entries(oneTimeKeys)) {
      const { algorithm, keyId, json } = checkKey(requester, ed25519, name, key);
      const existing = keys.selectOneTimeKey(requester.user_id, requester.device_id, algorithm, keyId);
      if (existing && existing.key_json !== json)
        throw new MatrixError("M_INVALID_PARAM", `One-time key ${name} already exists with other content`);
      if (!existing) keys.insertOneTimeKey(requester.user_id, requester.device_id, algorithm, keyId, json);
    }
  }

  function storeFallbackKeys(
    requester: Requester,
    ed25519: string | undefined,
    fallbackKeys: Record<string, KeyObject>,
  ): void {
    const checked = Object.entries(fallbackKeys).map(([name, key]) => checkKey(requester, ed25519, name, key));
    const algorithms = new Set(checked.map((key) => key.algorithm));
    if (algorithms.size !== checked.length)
      throw new MatrixError("M_INVALID_PARAM", "At most one fallback key per algorithm");
    for (const { algorithm, keyId, json } of checked) {
      const existing = keys.selectFallbackKey(requester.user_id, requester.device_id, algorithm);
      // Re-uploading the same key keeps its `used` flag (as Synapse does); a new key resets it.
      if (existing?.key_id === keyId && existing.key_json === json) continue;
      keys.upsertFallbackKey(requester.user_id, requester.device_id, algorithm, keyId, json);
    }
  }

  const service = {
    /** POST /keys/upload: stores what is given, all or nothing. */
    upload(requester: Requester, upload: KeysUpload): { one_time_key_counts: Record<string, number> } {
      // An application service acting without ?device_id= has no device to hold keys.
      if (requester.device_id === "")
        throw new MatrixError(
          "M_INVALID_PARAM",
          "To upload keys, the application service must name the device with ?device_id=",
        );
      forgetCounts(requester.user_id, requester.device_id);
      const changed = stores.transaction(() => {
        const changed = upload.device_keys ? storeDeviceKeys(requester, upload.device_keys) : false;
        if (changed) deviceLists.record(requester.user_id);
        const ed25519 = keys.selectDeviceKeys(requester.user_id, requester.device_id)?.ed25519_key;
        if (upload.one_time_keys) storeOneTimeKeys(requester, ed25519, upload.one_time_keys);
        if (upload.fallback_keys) storeFallbackKeys(requester, ed25519, upload.fallback_keys);
        return changed;
      });
      if (changed) deviceLists.announce([requester.user_id]);
      return { one_time_key_counts: service.oneTimeKeyCounts(requester.user_id, requester.device_id) };
    },

    /**
     * POST /keys/claim: per device, the oldest one-time key of the algorithm, removed as it
     * is handed out; when none is left, the fallback key (kept, and marked used).
     */
    claim(request: Record<string, Record<string, string>>) {
      const one_time_keys: Record<string, Record<string, Record<string, unknown>>> = {};
      const failures: Record<string, Record<string, unknown>> = {};
      stores.transaction(() => {
        for (const [userId, devices] of Object.entries(request)) {
          const server = serverNameOf(userId);
          if (server !== serverName) {
            if (server) failures[server] = unreachableServer();
            continue;
          }
          for (const [deviceId, algorithm] of Object.entries(devices)) {
            forgetCounts(userId, deviceId);
            let claimed = keys.claimOneTimeKey(userId, deviceId, algorithm);
            if (!claimed) {
              claimed = keys.selectFallbackKey(userId, deviceId, algorithm) ?? null;
              if (claimed) keys.updateFallbackKeyUsed(userId, deviceId, algorithm);
            }
            if (!claimed) continue;
            (one_time_keys[userId] ??= {})[deviceId] = {
              [`${algorithm}:${claimed.key_id}`]: JSON.parse(claimed.key_json),
            };
          }
        }
      });
      return { one_time_keys, failures };
    },

    /** For /sync `device_one_time_keys_count` (signed_curve25519 always present, as Synapse does for old clients). */
    oneTimeKeyCounts(userId: string, deviceId: string): Record<string, number> {
      return { ...countsOf(userId, deviceId).oneTimeKeys };
    },

    /** For /sync `device_unused_fallback_key_types`. */
    unusedFallbackKeyTypes(userId: string, deviceId: string): string[] {
      return [...countsOf(userId, deviceId).unusedFallback];
    },

    /**
     * Removes every key of a deleted device and announces the device-list change. Call it
     * where a device is deleted (DELETE /devices/{deviceId}, POST /delete_devices, logout
     * of a device), in the same transaction as deleting the device row.
     */
    deleteDeviceKeys(userId: string, deviceId: string): void {
      forgetCounts(userId, deviceId);
      stores.transaction(() => {
        keys.deleteDeviceKeys(userId, deviceId);
        keys.deleteOneTimeKeys(userId, deviceId);
        keys.deleteFallbackKeys(userId, deviceId);
        stores.crossSigning.deleteSignaturesOfKey(userId, deviceId);
        deviceLists.record(userId);
      });
      deviceLists.announce([userId]);
    },

    /** For device changes outside this module: a new device (login), a renamed one. */
    recordDeviceListChange(userId: string): void {
      stores.transaction(() => deviceLists.record(userId));
      deviceLists.announce([userId]);
    },
  };
  return service;
}

export type DeviceKeys = ReturnType<typeof createDeviceKeys>;
