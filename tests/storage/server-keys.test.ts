import { describe, expect, test } from "bun:test";
import { hash, memoryStores } from "../support/stores.ts";

describe("server key store", () => {
  test("no key at first; the newest unexpired key is the active one; key ids are unique", () => {
    const s = memoryStores();
    expect(s.serverKeys.selectActiveKey()).toBeNull();
    expect(s.serverKeys.selectExpiredKeys()).toEqual([]);
    s.serverKeys.insertKey("ed25519:old", hash(1), 10);
    s.serverKeys.insertKey("ed25519:new", hash(2), 20);
    expect(s.serverKeys.selectActiveKey()).toEqual({
      key_id: "ed25519:new",
      seed: hash(2),
      created_ts: 20,
      expired_ts: null,
    });
    expect(() => s.serverKeys.insertKey("ed25519:new", hash(3), 30)).toThrow();
  });

  test("a retired key is listed as expired and is no longer the active one", () => {
    const s = memoryStores();
    s.serverKeys.insertKey("ed25519:a", hash(1), 10);
    s.serverKeys.insertKey("ed25519:b", hash(2), 20);
    // Retiring a key is not a store function yet (no code path rotates keys): the column is what it promises.
    s.db.query("UPDATE server_signing_keys SET expired_ts = 30 WHERE key_id = ?").run("ed25519:b");
    expect(s.serverKeys.selectActiveKey()?.key_id).toBe("ed25519:a");
    expect(s.serverKeys.selectExpiredKeys()).toEqual([
      { key_id: "ed25519:b", seed: hash(2), created_ts: 20, expired_ts: 30 },
    ]);
  });
});
