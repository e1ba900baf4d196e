import { describe, expect, test } from "bun:test";
import { openDatabase } from "../../src/storage/database.ts";
import { openStores } from "../../src/storage/index.ts";

function storesWithUser() {
  const stores = openStores(openDatabase(":memory:"));
  stores.accounts.insertUser({ user_id: "@a:x", password_hash: null, created_ts: 1 });
  stores.devices.insertDevice("@a:x", "DEV", null, 1);
  return stores;
}

const bytes = (n: number) => new Uint8Array(32).fill(n);

describe("storage contracts of migration 0003", () => {
  test("deleting a device deletes its access and refresh tokens", () => {
    const stores = storesWithUser();
    stores.refreshTokens.insertToken(bytes(1), "@a:x", "DEV", null, 1);
    stores.accessTokens.insertToken(bytes(2), "@a:x", "DEV", 100, 1, bytes(1));
    stores.accessTokens.insertToken(bytes(3), "@a:x", "DEV", null, 1);
    expect(stores.accessTokens.selectByHash(bytes(2))).toMatchObject({ user_id: "@a:x", device_id: "DEV", expires_ts: 100, is_guest: 0, deactivated: 0 });
    stores.devices.deleteDevice("@a:x", "DEV");
    expect(stores.accessTokens.selectByHash(bytes(2))).toBeNull();
    expect(stores.accessTokens.selectByHash(bytes(3))).toBeNull();
    expect(stores.refreshTokens.selectByHash(bytes(1))).toBeNull();
  });

  test("deleting a refresh token deletes the access tokens issued with it", () => {
    const stores = storesWithUser();
    stores.refreshTokens.insertToken(bytes(1), "@a:x", "DEV", null, 1);
    stores.refreshTokens.insertToken(bytes(4), "@a:x", "DEV", bytes(1), 1);
    stores.accessTokens.insertToken(bytes(2), "@a:x", "DEV", 100, 1, bytes(4));
    expect(stores.accessTokens.selectByHash(bytes(2))?.previous_refresh_hash).toEqual(bytes(1));
    stores.refreshTokens.deleteByPrevious(bytes(1));
    expect(stores.accessTokens.selectByHash(bytes(2))).toBeNull();
  });

  test("account data stream positions grow with every write and are never reused", () => {
    const stores = storesWithUser();
    const a = stores.accountData.upsertAccountData("@a:x", "", "t", "{}");
    const b = stores.accountData.upsertAccountData("@a:x", "!r", "t", "{}");
    const c = stores.accountData.upsertAccountData("@a:x", "", "t", '{"v":2}');
    expect(b).toBeGreaterThan(a);
    expect(c).toBeGreaterThan(b);
    stores.accountData.deleteByUser("@a:x");
    expect(stores.accountData.upsertAccountData("@a:x", "", "t", "{}")).toBeGreaterThan(c);
    expect(stores.accountData.selectChangedSince("@a:x", 0).length).toBe(1);
  });

  test("identical filters of one user share an id", () => {
    const stores = storesWithUser();
    const id = stores.filters.insertFilter("@a:x", "{}");
    expect(stores.filters.selectFilterId("@a:x", "{}")).toBe(id);
    expect(stores.filters.selectFilter("@a:x", id)).toBe("{}");
    expect(stores.filters.selectFilter("@b:x", id)).toBeUndefined();
  });

  test("expired UIA sessions are deleted", () => {
    const stores = storesWithUser();
    stores.uiaSessions.insertSession("old", "register", null, 1, 10);
    stores.uiaSessions.insertSession("new", "register", null, 1, 1000);
    stores.uiaSessions.deleteExpired(500);
    expect(stores.uiaSessions.selectSession("old")).toBeNull();
    expect(stores.uiaSessions.selectSession("new")?.completed).toBe("[]");
  });
});
