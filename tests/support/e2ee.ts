/**
 * Real ed25519 keys for e2ee tests: a device's identity keys, signed one-time and fallback
 * keys, and cross-signing keys, all signed the way clients sign them.
 */
import { randomBytes } from "node:crypto";
import { publicKeyBase64, signJson, type SigningKey } from "../../src/matrix/signing.ts";
import type { TestUser } from "./fixtures.ts";

export interface TestDeviceKeys {
  seed: Uint8Array;
  ed25519: string;
  signingKey: SigningKey;
  device_keys: Record<string, unknown>;
}

export function newSeed(): Uint8Array {
  return new Uint8Array(randomBytes(32));
}

export function randomCurve25519(): string {
  return randomBytes(32).toString("base64").replace(/=+$/, "");
}

export function deviceKeysFor(
  user: Pick<TestUser, "user_id" | "device_id">,
  extra: Record<string, unknown> = {},
): TestDeviceKeys {
  const seed = newSeed();
  const ed25519 = publicKeyBase64(seed);
  const signingKey = { keyId: `ed25519:${user.device_id}`, seed };
  const unsigned = {
    user_id: user.user_id,
    device_id: user.device_id,
    algorithms: ["m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"],
    keys: { [`curve25519:${user.device_id}`]: randomCurve25519(), [`ed25519:${user.device_id}`]: ed25519 },
    ...extra,
  };
  return { seed, ed25519, signingKey, device_keys: signJson(unsigned, user.user_id, signingKey) };
}

/** `{ "signed_curve25519:<id>": {key, signatures} }` for each id, signed by the device. */
export function signedKeys(
  userId: string,
  device: TestDeviceKeys,
  ids: string[],
  fallback = false,
): Record<string, unknown> {
  return Object.fromEntries(
    ids.map((id) => [
      `signed_curve25519:${id}`,
      signJson({ key: randomCurve25519(), ...(fallback ? { fallback: true } : {}) }, userId, device.signingKey),
    ]),
  );
}

export interface TestCrossSigningKey {
  seed: Uint8Array;
  publicKey: string;
  signingKey: SigningKey;
  key: Record<string, unknown>;
}

/** A cross-signing key object, signed by `signer` (the master key) when given. */
export function crossSigningKey(
  userId: string,
  usage: "master" | "self_signing" | "user_signing",
  signer?: TestCrossSigningKey,
): TestCrossSigningKey {
  const seed = newSeed();
  const publicKey = publicKeyBase64(seed);
  const unsigned = { user_id: userId, usage: [usage], keys: { [`ed25519:${publicKey}`]: publicKey } };
  return {
    seed,
    publicKey,
    signingKey: { keyId: `ed25519:${publicKey}`, seed },
    key: signer ? signJson(unsigned, userId, signer.signingKey) : unsigned,
  };
}

/** Master, self-signing and user-signing keys, the latter two signed by the master. */
export function crossSigningKeys(userId: string) {
  const master = crossSigningKey(userId, "master");
  return {
    master,
    selfSigning: crossSigningKey(userId, "self_signing", master),
    userSigning: crossSigningKey(userId, "user_signing", master),
  };
}
