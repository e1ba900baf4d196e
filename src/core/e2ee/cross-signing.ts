/**
 * Cross-signing: a user's master, self-signing and user-signing keys, and the signatures
 * clients upload with them afterwards.
 * https://spec.matrix.org/v1.19/client-server-api/#cross-signing
 */
import { MatrixError } from "../../errors.ts";
import { crossSigningPublicKey, sameSignedContent, type SignedObject } from "../../matrix/e2ee.ts";
import { verifyJsonSignature, type Signatures } from "../../matrix/signing.ts";
import type { CrossSigningKeyRow, CrossSigningUsage } from "../../storage/cross-signing.ts";
import type { Stores } from "../../storage/index.ts";
import type { Requester } from "../requester.ts";
import type { AuthData, Stage, UserInteractiveAuth } from "../users/user-interactive-auth.ts";
import { canonicalKeyJson } from "./device-keys.ts";
import type { DeviceLists } from "./device-lists.ts";

export interface CrossSigningKeyObject {
  user_id: string;
  usage: string[];
  keys: Record<string, string>;
  signatures?: Signatures;
  [field: string]: unknown;
}

export interface SigningKeysUpload {
  master_key?: CrossSigningKeyObject;
  self_signing_key?: CrossSigningKeyObject;
  user_signing_key?: CrossSigningKeyObject;
  auth?: AuthData;
}

const FIELDS = { master: "master_key", self_signing: "self_signing_key", user_signing: "user_signing_key" } as const;
const USAGES = ["master", "self_signing", "user_signing"] as const;
/**
 * Users without a password cannot complete this: application services are exempt (below);
 * single sign-on users would need an m.login.sso stage (fallback auth), not built yet.
 */
const PASSWORD_FLOWS: Stage[][] = [["m.login.password"]];

interface KeyWrite {
  usage: CrossSigningUsage;
  publicKey: string;
  json: string;
}

export function createCrossSigning(
  stores: Pick<Stores, "crossSigning" | "deviceKeys" | "devices" | "transaction">,
  deviceLists: DeviceLists,
  uia: Pick<UserInteractiveAuth, "authenticate" | "complete">,
) {
  const storedKeys = (userId: string) =>
    new Map(stores.crossSigning.selectKeys(userId).map((row) => [row.usage, row] as const));

  function checkShape(requester: Requester, usage: CrossSigningUsage, key: CrossSigningKeyObject): string {
    if (key.user_id !== requester.user_id)
      throw new MatrixError("M_INVALID_PARAM", `${FIELDS[usage]} must be for the requesting user`);
    if (!key.usage.includes(usage))
      throw new MatrixError("M_INVALID_PARAM", `${FIELDS[usage]} must have the usage '${usage}'`);
    const publicKey = crossSigningPublicKey(key);
    if (!publicKey)
      throw new MatrixError("M_INVALID_PARAM", `${FIELDS[usage]} must hold exactly one key, ed25519:<public key>`);
    // Signatures name devices and cross-signing keys alike by id, so the two must not collide.
    if (stores.devices.selectDevice(requester.user_id, publicKey))
      throw new MatrixError("M_FORBIDDEN", "Key ID in use by a device");
    return publicKey;
  }

  /** Validates an upload against the stored keys: what it would write, and whether that needs UIA. */
  function plan(
    requester: Requester,
    upload: SigningKeysUpload,
  ): { writes: KeyWrite[]; needsAuth: boolean; stored: Map<string, CrossSigningKeyRow> } {
    const stored = storedKeys(requester.user_id);
    const writes: KeyWrite[] = [];
    let master: { publicKey: string; object: SignedObject } | undefined;
    const storedMaster = stored.get("master");
    if (storedMaster)
      master = { publicKey: storedMaster.public_key, object: JSON.parse(storedMaster.key_json) as SignedObject };
    for (const usage of USAGES) {
      const key = upload[FIELDS[usage]];
      if (!key) continue;
      const publicKey = checkShape(requester, usage, key);
      if (usage === "master") master = { publicKey, object: key };
      else if (!master) throw new MatrixError("M_MISSING_PARAM", "No master key: upload one with this request");
      else if (!verifyJsonSignature(key, requester.user_id, `ed25519:${master.publicKey}`, master.publicKey)) {
        throw new MatrixError("M_INVALID_SIGNATURE", `${FIELDS[usage]} is not signed by the master key`);
      }
      const current = stored.get(usage);
      if (current && sameSignedContent(JSON.parse(current.key_json) as SignedObject, key)) continue;
      writes.push({ usage, publicKey, json: canonicalKeyJson(key) });
    }
    // UIA is needed to change existing keys, but not for a first upload or an identical
    // retry (MSC3967, spec v1.11), nor for application services (v1.17).
    // https://spec.matrix.org/v1.19/client-server-api/#post_matrixclientv3keysdevice_signingupload
    const needsAuth = storedMaster !== undefined && writes.length > 0 && !requester.appservice_id;
    return { writes, needsAuth, stored };
  }

  /** The keys allowed to sign `keyId` of `userId` for the requester, by key id → public key. */
  function signersOf(
    requester: Requester,
    userId: string,
    keyId: string,
  ): { stored: SignedObject; signers: Map<string, string> } {
    const own = storedKeys(requester.user_id);
    const targetMaster = userId === requester.user_id ? own.get("master") : storedKeys(userId).get("master");
    const signer = (row: CrossSigningKeyRow | undefined, name: string) => {
      if (!row) throw new MatrixError("M_MISSING_PARAM", `You have no ${name} key`);
      return new Map([[`ed25519:${row.public_key}`, row.public_key]]);
    };
    if (targetMaster?.public_key === keyId) {
      if (userId !== requester.user_id)
        return {
          stored: JSON.parse(targetMaster.key_json) as SignedObject,
          signers: signer(own.get("user_signing"), "user-signing"),
        };
      // One's own master key is signed by one's own devices.
      const devices = stores.deviceKeys
        .selectDeviceKeysByUser(userId)
        .map((row) => [`ed25519:${row.device_id}`, row.ed25519_key] as const);
      return { stored: JSON.parse(targetMaster.key_json) as SignedObject, signers: new Map(devices) };
    }
    const device = userId === requester.user_id ? stores.deviceKeys.selectDeviceKeys(userId, keyId) : undefined;
    if (!device)
      throw new MatrixError(
        "M_NOT_FOUND",
        userId === requester.user_id ? "Unknown device or key" : "Only another user's master key can be signed",
      );
    return {
      stored: JSON.parse(device.key_json) as SignedObject,
      signers: signer(own.get("self_signing"), "self-signing"),
    };
  }

  /** Verifies and stores the requester's signatures on one key; returns how many were new. */
  function addSignatures(requester: Requester, userId: string, keyId: string, object: SignedObject): number {
    const { stored, signers } = signersOf(requester, userId, keyId);
    if (!sameSignedContent(stored, object))
      throw new MatrixError("M_INVALID_SIGNATURE", "The signed object does not match the stored key");
    // Signatures by other keys (e.g. a device's own signature on its keys) came with the key and are ignored.
    const relevant = Object.entries(object.signatures?.[requester.user_id] ?? {}).filter(([signerKeyId]) =>
      signers.has(signerKeyId),
    );
    if (relevant.length === 0)
      throw new MatrixError("M_INVALID_SIGNATURE", "No signature by a key allowed to sign this key");
    let added = 0;
    for (const [signerKeyId, signature] of relevant) {
      if (!verifyJsonSignature(object, requester.user_id, signerKeyId, signers.get(signerKeyId)!)) {
        throw new MatrixError("M_INVALID_SIGNATURE", `Invalid signature by ${signerKeyId}`);
      }
      if (stored.signatures?.[requester.user_id]?.[signerKeyId] === signature) continue;
      stores.crossSigning.upsertSignature(userId, keyId, requester.user_id, signerKeyId, signature);
      added++;
    }
    return added;
  }

  return {
    /**
     * POST /keys/device_signing/upload. Replacing keys needs the password stage of the shared
     * user-interactive auth; its session is bound to the uploaded key ids, so a session
     * completed for one set of keys cannot publish another.
     */
    async uploadSigningKeys(requester: Requester, upload: SigningKeysUpload, ip: string | null): Promise<void> {
      let session: string | undefined;
      if (plan(requester, upload).needsAuth) {
        const keyIds = USAGES.map((usage) => upload[FIELDS[usage]]?.keys ?? {}).map((keys) =>
          Object.keys(keys).sort().join(","),
        );
        const action = `device_signing_upload ${JSON.stringify(keyIds)}`;
        session = await uia.authenticate({
          action,
          flows: PASSWORD_FLOWS,
          userId: requester.user_id,
          auth: upload.auth,
          ip,
        });
      }
      // Planned again inside the transaction: the keys may have changed during the await. With
      // no session there was no await, and the plan still needs no auth.
      const written = stores.transaction(() => {
        const { writes, stored } = plan(requester, upload);
        if (session !== undefined) uia.complete(session);
        for (const write of writes) {
          const previous = stored.get(write.usage);
          if (previous && previous.public_key !== write.publicKey)
            stores.crossSigning.deleteSignaturesOfKey(requester.user_id, previous.public_key);
          stores.crossSigning.upsertKey(requester.user_id, write.usage, write.publicKey, write.json);
        }
        if (writes.length > 0) deviceLists.record(requester.user_id);
        return writes.length > 0;
      });
      if (written) deviceLists.announce([requester.user_id]);
    },

    /** POST /keys/signatures/upload: each key succeeds or fails on its own. */
    uploadSignatures(requester: Requester, body: Record<string, Record<string, SignedObject>>) {
      // Keyed by what the client sent: without a prototype, a "constructor" or "__proto__" user
      // or key id is an entry like any other, not Object's own property.
      const failures: Record<string, Record<string, { errcode: string; error: string }>> = Object.create(null);
      const changed = new Set<string>();
      stores.transaction(() => {
        for (const [userId, objects] of Object.entries(body)) {
          for (const [keyId, object] of Object.entries(objects)) {
            try {
              // A signature on another user's master key is only visible to the signer.
              if (addSignatures(requester, userId, keyId, object) > 0)
                changed.add(userId === requester.user_id ? userId : requester.user_id);
            } catch (error) {
              if (!(error instanceof MatrixError)) throw error;
              (failures[userId] ??= Object.create(null))[keyId] = { errcode: error.errcode, error: error.message };
            }
          }
        }
        for (const userId of changed) deviceLists.record(userId);
      });
      deviceLists.announce(changed);
      return { failures };
    },
  };
}

export type CrossSigning = ReturnType<typeof createCrossSigning>;
