import { describe, expect, test } from "bun:test";
import { memoryStores } from "../support/stores.ts";

describe("openid_tokens store", () => {
  const stores = memoryStores();
  stores.accounts.insertUser({ user_id: "@alice:example.org", password_hash: null, created_ts: 0 });
  const hash = (byte: number) => new Uint8Array(32).fill(byte);

  test("a token is found by its hash with its user and expiry", () => {
    stores.openIdTokens.insertToken(hash(1), "@alice:example.org", 5000, 1000);
    expect(stores.openIdTokens.selectByHash(hash(1))).toEqual({ user_id: "@alice:example.org", expires_ts: 5000 });
    expect(stores.openIdTokens.selectByHash(hash(9))).toBeNull();
  });

  test("deleteExpired removes tokens whose expiry is at or before now, and no others", () => {
    stores.openIdTokens.insertToken(hash(2), "@alice:example.org", 6000, 1000);
    stores.openIdTokens.insertToken(hash(3), "@alice:example.org", 7000, 1000);
    stores.openIdTokens.deleteExpired(6000);
    expect(stores.openIdTokens.selectByHash(hash(1))).toBeNull();
    expect(stores.openIdTokens.selectByHash(hash(2))).toBeNull();
    expect(stores.openIdTokens.selectByHash(hash(3))).not.toBeNull();
  });

  test("a token belongs to an existing user and goes with it", () => {
    expect(() => stores.openIdTokens.insertToken(hash(4), "@nobody:example.org", 9000, 1000)).toThrow();
    stores.db.query("DELETE FROM users WHERE user_id = ?").run("@alice:example.org");
    expect(stores.openIdTokens.selectByHash(hash(3))).toBeNull();
  });
});
