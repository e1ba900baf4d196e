/**
 * POST /keys/query: the device keys and cross-signing keys of the asked users, with the
 * signatures uploaded later merged in, as far as the requester may see them.
 * https://spec.matrix.org/v1.19/client-server-api/#post_matrixclientv3keysquery
 */
import { mergeSignatures, type SignedObject } from "../../matrix/e2ee.ts";
import { serverNameOf } from "../../matrix/ids.ts";
import type { Signatures } from "../../matrix/signing.ts";
import type { KeySignatureRow } from "../../storage/cross-signing.ts";
import type { Stores } from "../../storage/index.ts";
import type { Requester } from "../requester.ts";
import { unreachableServer } from "./device-keys.ts";

export interface KeyQueryResult {
  device_keys: Record<string, Record<string, SignedObject>>;
  master_keys: Record<string, SignedObject>;
  self_signing_keys: Record<string, SignedObject>;
  user_signing_keys: Record<string, SignedObject>;
  failures: Record<string, Record<string, unknown>>;
}

function signaturesByTarget(
  rows: KeySignatureRow[],
  visible: (row: KeySignatureRow) => boolean,
): Map<string, Signatures> {
  const byTarget = new Map<string, Signatures>();
  for (const row of rows) {
    if (!visible(row)) continue;
    const signatures = byTarget.get(row.target_key_id) ?? {};
    (signatures[row.signer_user_id] ??= {})[row.signer_key_id] = row.signature;
    byTarget.set(row.target_key_id, signatures);
  }
  return byTarget;
}

export function createKeyQuery(stores: Pick<Stores, "deviceKeys" | "crossSigning">, serverName: string) {
  function deviceKeysOf(
    userId: string,
    deviceIds: string[],
    signatures: Map<string, Signatures>,
  ): Record<string, SignedObject> {
    const rows =
      deviceIds.length === 0
        ? stores.deviceKeys.selectDeviceKeysByUser(userId)
        : deviceIds.flatMap((deviceId) => stores.deviceKeys.selectDeviceKeys(userId, deviceId) ?? []);
    const devices: Record<string, SignedObject> = {};
    for (const row of rows) {
      const { unsigned: _unsigned, ...uploaded } = JSON.parse(row.key_json) as SignedObject;
      const keys = mergeSignatures(uploaded, signatures.get(row.device_id) ?? {});
      devices[row.device_id] =
        row.display_name === null ? keys : { ...keys, unsigned: { device_display_name: row.display_name } };
    }
    return devices;
  }

  return {
    query(requester: Requester, deviceKeys: Record<string, string[]>): KeyQueryResult {
      const result: KeyQueryResult = {
        device_keys: {},
        master_keys: {},
        self_signing_keys: {},
        user_signing_keys: {},
        failures: {},
      };
      for (const [userId, deviceIds] of Object.entries(deviceKeys)) {
        const server = serverNameOf(userId);
        if (server !== serverName) {
          if (server) result.failures[server] = unreachableServer();
          continue;
        }
        // A signature on another user's master key (by the signer's user-signing key) is
        // for the signer's eyes only; the owner's own signatures are for everyone.
        const signatures = signaturesByTarget(
          stores.crossSigning.selectSignaturesOfUser(userId),
          (row) => row.signer_user_id === userId || row.signer_user_id === requester.user_id,
        );
        result.device_keys[userId] = deviceKeysOf(userId, deviceIds, signatures);
        for (const key of stores.crossSigning.selectKeys(userId)) {
          const object = mergeSignatures(
            JSON.parse(key.key_json) as SignedObject,
            signatures.get(key.public_key) ?? {},
          );
          if (key.usage === "master") result.master_keys[userId] = object;
          else if (key.usage === "self_signing") result.self_signing_keys[userId] = object;
          else if (userId === requester.user_id) result.user_signing_keys[userId] = object;
        }
      }
      return result;
    },
  };
}

export type KeyQuery = ReturnType<typeof createKeyQuery>;
