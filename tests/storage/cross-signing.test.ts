import { describe, expect, test } from "bun:test";
import { memoryStores } from "../support/stores.ts";

describe("cross-signing store", () => {
  test("one key per (user, usage), replaced on upload; usage is one of the three the spec names", () => {
    const s = memoryStores();
    s.crossSigning.upsertKey("@a:hs", "master", "M1", '{"m":1}');
    s.crossSigning.upsertKey("@a:hs", "self_signing", "S1", "{}");
    s.crossSigning.upsertKey("@a:hs", "master", "M2", '{"m":2}');
    s.crossSigning.upsertKey("@b:hs", "master", "B", "{}");
    const keys = s.crossSigning.selectKeys("@a:hs").sort((x, y) => x.usage.localeCompare(y.usage));
    expect(keys).toEqual([
      { usage: "master", public_key: "M2", key_json: '{"m":2}' },
      { usage: "self_signing", public_key: "S1", key_json: "{}" },
    ]);
    expect(() => s.crossSigning.upsertKey("@a:hs", "other" as "master", "X", "{}")).toThrow();
  });

  test("one signature per (target, signer key), replaced on upload, listed in order", () => {
    const s = memoryStores();
    s.crossSigning.upsertSignature("@a:hs", "DEV", "@a:hs", "ed25519:S", "sig1");
    s.crossSigning.upsertSignature("@a:hs", "DEV", "@a:hs", "ed25519:A", "sig2");
    s.crossSigning.upsertSignature("@a:hs", "DEV", "@a:hs", "ed25519:S", "sig3");
    s.crossSigning.upsertSignature("@a:hs", "M", "@b:hs", "ed25519:U", "sig4");
    expect(s.crossSigning.selectSignatures("@a:hs", "DEV")).toEqual([
      { target_key_id: "DEV", signer_user_id: "@a:hs", signer_key_id: "ed25519:A", signature: "sig2" },
      { target_key_id: "DEV", signer_user_id: "@a:hs", signer_key_id: "ed25519:S", signature: "sig3" },
    ]);
    expect(
      s.crossSigning.selectSignaturesOfUser("@a:hs").map((row) => `${row.target_key_id} ${row.signer_key_id}`),
    ).toEqual(["DEV ed25519:A", "DEV ed25519:S", "M ed25519:U"]);
    s.crossSigning.deleteSignaturesOfKey("@a:hs", "DEV");
    expect(s.crossSigning.selectSignaturesOfUser("@a:hs").map((row) => row.target_key_id)).toEqual(["M"]);
  });
});
