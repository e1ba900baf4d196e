import { describe, expect, test } from "bun:test";
import { canonicalJson } from "../../src/matrix/canonical-json.ts";
import { decodeBase64 } from "../../src/matrix/base64.ts";
import { publicKeyBase64, signJson, verifyJsonSignature } from "../../src/matrix/signing.ts";

// The spec appendix's signing key: seed "YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1" (unpadded base64).
const key = { keyId: "ed25519:1", seed: decodeBase64("YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1") };

describe("canonical JSON (spec appendix examples)", () => {
  test("sorts keys and strips whitespace", () => {
    expect(canonicalJson({ b: "2", a: "1" })).toBe('{"a":"1","b":"2"}');
    expect(
      canonicalJson({
        auth: {
          success: true,
          mxid: "@john.doe:example.com",
          profile: {
            display_name: "John Doe",
            three_pids: [
              { medium: "email", address: "john.doe@example.org" },
              { medium: "msisdn", address: "123456789" },
            ],
          },
        },
      }),
    ).toBe(
      '{"auth":{"mxid":"@john.doe:example.com","profile":{"display_name":"John Doe","three_pids":[{"address":"john.doe@example.org","medium":"email"},{"address":"123456789","medium":"msisdn"}]},"success":true}}',
    );
  });
  test("keeps UTF-8 as is and escapes only what JSON requires", () => {
    expect(canonicalJson({ a: "日本語" })).toBe('{"a":"日本語"}');
    expect(canonicalJson({ 本: 2, 日: 1 })).toBe('{"日":1,"本":2}');
    expect(canonicalJson({ a: "\u00E9" })).toBe('{"a":"é"}');
    expect(canonicalJson({ a: "\u0000" })).toBe('{"a":"\\u0000"}');
    expect(canonicalJson({ a: null })).toBe('{"a":null}');
  });
  test("refuses floats", () => {
    expect(() => canonicalJson({ a: 1.5 })).toThrow();
  });
});

describe("signing JSON (spec appendix vectors)", () => {
  test("the public key derived from the seed", () => {
    expect(publicKeyBase64(key.seed)).toBe("XGX0JRS2Af3be3knz2fBiRbApjm2Dh61gXDJA8kcJNI");
  });
  test("an empty object", () => {
    const signed = signJson({}, "domain", key);
    expect(signed.signatures).toEqual({
      domain: { "ed25519:1": "K8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtTdGYI7Geitb76LTrr5QV/7Xg4ahLwYGYZzuHGZKM5ZAQ" },
    });
    expect(verifyJsonSignature(signed, "domain", "ed25519:1", publicKeyBase64(key.seed))).toBe(true);
  });
  test("an object with data, ignoring unsigned", () => {
    const signed = signJson({ one: 1, two: "Two", unsigned: { age_ts: 1 } }, "domain", key);
    expect(signed.signatures.domain?.["ed25519:1"]).toBe(
      "KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw",
    );
    expect(verifyJsonSignature({ ...signed, two: "Three" }, "domain", "ed25519:1", publicKeyBase64(key.seed))).toBe(
      false,
    );
  });
});
