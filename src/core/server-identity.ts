/**
 * This server's name and signing key. The key is generated on first start and kept in the
 * database; it signs events and the key server response.
 * https://spec.matrix.org/v1.19/server-server-api/#publishing-keys
 */
import { randomBytes } from "node:crypto";
import type { Config } from "../config.ts";
import { encodeUnpaddedBase64Url } from "../matrix/base64.ts";
import { publicKeyBase64, signJson, type SigningKey } from "../matrix/signing.ts";
import type { ServerKeyStore } from "../storage/server-keys.ts";
import type { Clock } from "./clock.ts";

/** How long other servers may cache our key response. */
const KEY_VALIDITY_MS = 7 * 24 * 3600 * 1000;

export function createServerIdentity(config: Pick<Config, "server_name">, keys: ServerKeyStore, clock: Clock) {
  let row = keys.selectActiveKey();
  if (!row) {
    // Key ids are `ed25519:` plus a short random version, as Synapse and Conduit do.
    const keyId = `ed25519:${encodeUnpaddedBase64Url(randomBytes(4))}`.replace(/[^A-Za-z0-9_:]/g, "_");
    keys.insertKey(keyId, new Uint8Array(randomBytes(32)), clock.now());
    row = keys.selectActiveKey()!;
  }
  const signingKey: SigningKey = { keyId: row.key_id, seed: new Uint8Array(row.seed) };

  return {
    serverName: config.server_name,
    signingKey,
    /** The signed body of GET /_matrix/key/v2/server. */
    keyResponse() {
      const oldKeys = keys.selectExpiredKeys();
      return signJson(
        {
          server_name: config.server_name,
          valid_until_ts: clock.now() + KEY_VALIDITY_MS,
          verify_keys: { [signingKey.keyId]: { key: publicKeyBase64(signingKey.seed) } },
          old_verify_keys: Object.fromEntries(
            oldKeys.map((k) => [
              k.key_id,
              { key: publicKeyBase64(new Uint8Array(k.seed)), expired_ts: k.expired_ts ?? 0 },
            ]),
          ),
        },
        config.server_name,
        signingKey,
      );
    },
  };
}

export type ServerIdentity = ReturnType<typeof createServerIdentity>;
