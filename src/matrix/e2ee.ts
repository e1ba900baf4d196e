/**
 * Pure rules of the end-to-end encryption module that the server applies: which key an
 * object names, whether two signed objects are the same key, and which of two backed-up
 * sessions to keep. https://spec.matrix.org/v1.19/client-server-api/#end-to-end-encryption
 */
import { canonicalJson } from "./canonical-json.ts";
import type { Signatures } from "./signing.ts";

export type SignedObject = Record<string, unknown> & { signatures?: Signatures };

/** Splits `<algorithm>:<key_id>` at the first colon; undefined when there is none. */
export function splitKeyId(name: string): { algorithm: string; keyId: string } | undefined {
  const colon = name.indexOf(":");
  if (colon <= 0 || colon === name.length - 1) return undefined;
  return { algorithm: name.slice(0, colon), keyId: name.slice(colon + 1) };
}

/**
 * The single ed25519 public key of a cross-signing key object: `keys` must hold exactly
 * one entry, `ed25519:<public key>` → `<public key>`.
 */
export function crossSigningPublicKey(key: { keys: Record<string, string> }): string | undefined {
  const entries = Object.entries(key.keys);
  if (entries.length !== 1) return undefined;
  const [name, value] = entries[0]!;
  return name === `ed25519:${value}` && value.length > 0 ? value : undefined;
}

/** The signed content of an object: what its signatures cover. */
function signedContent(object: Record<string, unknown>): string {
  const { signatures: _signatures, unsigned: _unsigned, ...rest } = object;
  return canonicalJson(rest);
}

/** Whether two signed objects describe the same key, whatever signatures they carry. */
export function sameSignedContent(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return signedContent(a) === signedContent(b);
}

/** Returns `object` with `extra` signatures added (existing ones win on conflict). */
export function mergeSignatures<T extends SignedObject>(object: T, extra: Signatures): T {
  const merged: Signatures = {};
  for (const source of [extra, object.signatures ?? {}]) {
    for (const [entity, keys] of Object.entries(source)) merged[entity] = { ...merged[entity], ...keys };
  }
  return Object.keys(merged).length === 0 ? object : { ...object, signatures: merged };
}

export interface BackupSessionMetadata {
  is_verified: boolean;
  first_message_index: number;
  forwarded_count: number;
}

/**
 * Whether a newly uploaded backup session replaces the stored one: prefer verified, then
 * the lower first_message_index, then the lower forwarded_count. A tie keeps the stored one.
 * https://spec.matrix.org/v1.19/client-server-api/#server-side-key-backups
 */
export function replacesBackupSession(stored: BackupSessionMetadata, candidate: BackupSessionMetadata): boolean {
  if (stored.is_verified !== candidate.is_verified) return candidate.is_verified;
  if (stored.first_message_index !== candidate.first_message_index)
    return candidate.first_message_index < stored.first_message_index;
  return candidate.forwarded_count < stored.forwarded_count;
}
