import { describe, expect, test } from "bun:test";
import {
  crossSigningPublicKey,
  mergeSignatures,
  replacesBackupSession,
  sameSignedContent,
  splitKeyId,
  type SignedObject,
} from "../../src/matrix/e2ee.ts";

describe("e2ee rules", () => {
  test("splitKeyId splits at the first colon only", () => {
    expect(splitKeyId("signed_curve25519:AAAAHg")).toEqual({ algorithm: "signed_curve25519", keyId: "AAAAHg" });
    expect(splitKeyId("a:b:c")).toEqual({ algorithm: "a", keyId: "b:c" });
    for (const bad of ["nocolon", ":id", "alg:"]) expect(splitKeyId(bad)).toBeUndefined();
  });

  test("a cross-signing key holds exactly one ed25519 key named after itself", () => {
    expect(crossSigningPublicKey({ keys: { "ed25519:abc": "abc" } })).toBe("abc");
    expect(crossSigningPublicKey({ keys: { "ed25519:abc": "xyz" } })).toBeUndefined();
    expect(crossSigningPublicKey({ keys: { "curve25519:abc": "abc" } })).toBeUndefined();
    expect(crossSigningPublicKey({ keys: { "ed25519:a": "a", "ed25519:b": "b" } })).toBeUndefined();
  });

  test("signatures and unsigned do not make two keys different", () => {
    const key = { user_id: "@a:hs", keys: { "ed25519:k": "k" } };
    expect(sameSignedContent(key, { ...key, signatures: { "@a:hs": { "ed25519:x": "s" } }, unsigned: { n: 1 } })).toBe(
      true,
    );
    expect(sameSignedContent(key, { ...key, usage: ["master"] })).toBe(false);
  });

  test("mergeSignatures adds signatures without losing the object's own", () => {
    const object: SignedObject = { a: 1, signatures: { "@a:hs": { "ed25519:D": "own" } } };
    expect(
      mergeSignatures(object, {
        "@a:hs": { "ed25519:S": "ssk", "ed25519:D": "other" },
        "@b:hs": { "ed25519:U": "usk" },
      }),
    ).toEqual({
      a: 1,
      signatures: { "@a:hs": { "ed25519:D": "own", "ed25519:S": "ssk" }, "@b:hs": { "ed25519:U": "usk" } },
    });
    expect(mergeSignatures({ a: 1 }, {})).toEqual({ a: 1 });
  });

  test("a backup session is replaced by a verified one, then a lower index, then fewer forwards", () => {
    const stored = { is_verified: false, first_message_index: 5, forwarded_count: 2 };
    expect(
      replacesBackupSession(stored, { ...stored, is_verified: true, first_message_index: 99, forwarded_count: 99 }),
    ).toBe(true);
    expect(replacesBackupSession({ ...stored, is_verified: true }, { ...stored, first_message_index: 0 })).toBe(false);
    expect(replacesBackupSession(stored, { ...stored, first_message_index: 4, forwarded_count: 9 })).toBe(true);
    expect(replacesBackupSession(stored, { ...stored, first_message_index: 6, forwarded_count: 0 })).toBe(false);
    expect(replacesBackupSession(stored, { ...stored, forwarded_count: 1 })).toBe(true);
    expect(replacesBackupSession(stored, { ...stored })).toBe(false);
  });
});
