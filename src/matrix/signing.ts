/**
 * ed25519 signing of JSON objects as the spec's appendix defines it: `signatures` and
 * `unsigned` are removed, the rest is encoded as canonical JSON and signed.
 * https://spec.matrix.org/v1.19/appendices/#signing-json
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from "node:crypto";
import { decodeBase64, encodeUnpaddedBase64 } from "./base64.ts";
import { canonicalJson } from "./canonical-json.ts";

export type Signatures = Record<string, Record<string, string>>;

export interface SigningKey {
  /** e.g. `ed25519:a_AbCd` */
  keyId: string;
  /** the 32-byte ed25519 seed */
  seed: Uint8Array;
}

// PKCS#8 and SPKI DER prefixes for raw ed25519 keys (RFC 8410).
const PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

// Importing a key costs about as much as a signature; the server signs every event with the
// same seed, so the imported key is kept with it (and goes when the seed array does).
// module-state: a cache keyed by the seed itself, so it holds nothing a caller did not pass in.
const importedKeys = new WeakMap<Uint8Array, KeyObject>();

function privateKeyFromSeed(seed: Uint8Array): KeyObject {
  if (seed.length !== 32) throw new Error("an ed25519 seed is 32 bytes");
  let key = importedKeys.get(seed);
  if (key === undefined) {
    key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: "der", type: "pkcs8" });
    importedKeys.set(seed, key);
  }
  return key;
}

function publicKeyFromBytes(bytes: Uint8Array): KeyObject {
  if (bytes.length !== 32) throw new Error("an ed25519 public key is 32 bytes");
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, bytes]), format: "der", type: "spki" });
}

export function publicKeyOf(seed: Uint8Array): Uint8Array {
  const der = createPublicKey(privateKeyFromSeed(seed)).export({ format: "der", type: "spki" });
  return new Uint8Array(der.subarray(SPKI_PREFIX.length));
}

export function publicKeyBase64(seed: Uint8Array): string {
  return encodeUnpaddedBase64(publicKeyOf(seed));
}

export function signBytes(seed: Uint8Array, message: Uint8Array): Uint8Array {
  return new Uint8Array(sign(null, message, privateKeyFromSeed(seed)));
}

export function verifyBytes(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify(null, message, publicKeyFromBytes(publicKey), signature);
  } catch {
    return false;
  }
}

function signedPart(object: Record<string, unknown>): Uint8Array {
  const { signatures: _signatures, unsigned: _unsigned, ...rest } = object;
  return new TextEncoder().encode(canonicalJson(rest));
}

/** Returns a copy of `object` with this server's signature added to `signatures`. */
export function signJson<T extends object>(
  object: T,
  serverName: string,
  key: SigningKey,
): T & { signatures: Signatures } {
  const signature = encodeUnpaddedBase64(signBytes(key.seed, signedPart(object as Record<string, unknown>)));
  const existing = ((object as { signatures?: Signatures }).signatures ?? {}) as Signatures;
  return {
    ...object,
    signatures: { ...existing, [serverName]: { ...(existing[serverName] ?? {}), [key.keyId]: signature } },
  };
}

/** Checks `signatures[entity][keyId]` of `object` against an unpadded-base64 public key. */
export function verifyJsonSignature(
  object: Record<string, unknown>,
  entity: string,
  keyId: string,
  publicKeyBase64Text: string,
): boolean {
  const signature = (object.signatures as Signatures | undefined)?.[entity]?.[keyId];
  if (typeof signature !== "string") return false;
  try {
    return verifyBytes(decodeBase64(publicKeyBase64Text), signedPart(object), decodeBase64(signature));
  } catch {
    return false;
  }
}
