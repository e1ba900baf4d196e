import { describe, expect, test } from "bun:test";
import { addUser, hash, memoryStores } from "../support/stores.ts";

describe("access token store", () => {
  test("a token is found by its hash with what authentication needs of its user", () => {
    const stores = memoryStores();
    addUser(stores, "@a:x", "D");
    stores.accessTokens.insertToken(hash(1), "@a:x", "D", 100, 1);
    expect(stores.accessTokens.selectByHash(hash(1))).toEqual({
      user_id: "@a:x",
      device_id: "D",
      expires_ts: 100,
      is_guest: 0,
      deactivated: 0,
      refresh_token_hash: null,
      previous_refresh_hash: null,
    });
    stores.accounts.updateDeactivated("@a:x");
    expect(stores.accessTokens.selectByHash(hash(1))?.deactivated).toBe(1);
    expect(stores.accessTokens.selectByHash(hash(2))).toBeNull();
    expect(() => stores.accessTokens.insertToken(hash(1), "@a:x", "D", null, 2)).toThrow();
  });

  test("a token needs its device; deleting the device deletes its access and refresh tokens", () => {
    const stores = memoryStores();
    addUser(stores, "@a:x", "DEV");
    expect(() => stores.accessTokens.insertToken(hash(9), "@a:x", "OTHER", null, 1)).toThrow();
    stores.refreshTokens.insertToken(hash(1), "@a:x", "DEV", null, 1);
    stores.accessTokens.insertToken(hash(2), "@a:x", "DEV", 100, 1, hash(1));
    stores.accessTokens.insertToken(hash(3), "@a:x", "DEV", null, 1);
    stores.devices.deleteDevice("@a:x", "DEV");
    expect(stores.accessTokens.selectByHash(hash(2))).toBeNull();
    expect(stores.accessTokens.selectByHash(hash(3))).toBeNull();
    expect(stores.refreshTokens.selectByHash(hash(1))).toBeNull();
  });

  test("tokens are deleted by hash, by device, by user and by the refresh token they came with", () => {
    const stores = memoryStores();
    addUser(stores, "@a:x", "D", "E");
    addUser(stores, "@b:x", "D");
    stores.refreshTokens.insertToken(hash(10), "@a:x", "E", null, 1);
    for (const [n, user, device, refresh] of [
      [1, "@a:x", "D", null],
      [2, "@a:x", "D", null],
      [3, "@a:x", "E", hash(10)],
      [4, "@a:x", "E", null],
      [5, "@b:x", "D", null],
    ] as const) {
      stores.accessTokens.insertToken(hash(n), user, device, null, 1, refresh);
    }
    const alive = () => [1, 2, 3, 4, 5].filter((n) => stores.accessTokens.selectByHash(hash(n)) !== null);
    stores.accessTokens.deleteByHash(hash(1));
    expect(alive()).toEqual([2, 3, 4, 5]);
    stores.accessTokens.deleteByRefreshToken(hash(10));
    expect(alive()).toEqual([2, 4, 5]);
    stores.accessTokens.deleteByDevice("@a:x", "D");
    expect(alive()).toEqual([4, 5]);
    stores.accessTokens.deleteByUser("@a:x");
    expect(alive()).toEqual([5]);
  });

  test("the data version does not move with this connection's own writes", () => {
    const stores = memoryStores();
    const before = stores.accessTokens.selectDataVersion();
    addUser(stores, "@a:x", "D");
    stores.accessTokens.insertToken(hash(1), "@a:x", "D", null, 1);
    expect(stores.accessTokens.selectDataVersion()).toBe(before);
  });
});
