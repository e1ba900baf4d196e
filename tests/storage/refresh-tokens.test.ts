import { describe, expect, test } from "bun:test";
import { addUser, hash, memoryStores } from "../support/stores.ts";

describe("refresh token store", () => {
  test("a token is found by its hash with the token it replaced; hashes are unique", () => {
    const stores = memoryStores();
    addUser(stores, "@a:x", "D");
    stores.refreshTokens.insertToken(hash(1), "@a:x", "D", null, 1);
    stores.refreshTokens.insertToken(hash(2), "@a:x", "D", hash(1), 2);
    expect(stores.refreshTokens.selectByHash(hash(2))).toEqual({
      token_hash: hash(2),
      user_id: "@a:x",
      device_id: "D",
      previous_hash: hash(1),
    });
    expect(stores.refreshTokens.selectByHash(hash(3))).toBeNull();
    expect(() => stores.refreshTokens.insertToken(hash(1), "@a:x", "D", null, 3)).toThrow();
    expect(() => stores.refreshTokens.insertToken(hash(4), "@a:x", "NONE", null, 3)).toThrow();
  });

  test("deleting a refresh token deletes the access tokens issued with it", () => {
    const stores = memoryStores();
    addUser(stores, "@a:x", "DEV");
    stores.refreshTokens.insertToken(hash(1), "@a:x", "DEV", null, 1);
    stores.refreshTokens.insertToken(hash(4), "@a:x", "DEV", hash(1), 1);
    stores.accessTokens.insertToken(hash(2), "@a:x", "DEV", 100, 1, hash(4));
    expect(stores.accessTokens.selectByHash(hash(2))?.previous_refresh_hash).toEqual(hash(1));
    stores.refreshTokens.deleteByPrevious(hash(1));
    expect(stores.refreshTokens.selectByHash(hash(4))).toBeNull();
    expect(stores.accessTokens.selectByHash(hash(2))).toBeNull();
  });

  test("the replaced token is forgotten, and tokens are deleted by hash and by device", () => {
    const stores = memoryStores();
    addUser(stores, "@a:x", "D", "E");
    stores.refreshTokens.insertToken(hash(1), "@a:x", "D", null, 1);
    stores.refreshTokens.insertToken(hash(2), "@a:x", "D", hash(1), 1);
    stores.refreshTokens.insertToken(hash(3), "@a:x", "E", null, 1);
    stores.refreshTokens.clearPrevious(hash(2));
    expect(stores.refreshTokens.selectByHash(hash(2))?.previous_hash).toBeNull();
    stores.refreshTokens.deleteByHash(hash(1));
    expect(stores.refreshTokens.selectByHash(hash(1))).toBeNull();
    stores.refreshTokens.deleteByDevice("@a:x", "D");
    expect(stores.refreshTokens.selectByHash(hash(2))).toBeNull();
    expect(stores.refreshTokens.selectByHash(hash(3))).not.toBeNull();
  });
});
