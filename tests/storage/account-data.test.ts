import { describe, expect, test } from "bun:test";
import { GLOBAL_ROOM } from "../../src/storage/account-data.ts";
import { addUser, memoryStores } from "../support/stores.ts";

describe("account data store", () => {
  test("one content per (user, room, type): a write replaces it", () => {
    const stores = memoryStores();
    addUser(stores, "@a:x");
    addUser(stores, "@b:x");
    stores.accountData.upsertAccountData("@a:x", GLOBAL_ROOM, "t", '{"v":1}');
    stores.accountData.upsertAccountData("@a:x", "!r", "t", '{"room":true}');
    stores.accountData.upsertAccountData("@a:x", GLOBAL_ROOM, "t", '{"v":2}');
    expect(stores.accountData.selectContent("@a:x", GLOBAL_ROOM, "t")).toBe('{"v":2}');
    expect(stores.accountData.selectContent("@a:x", "!r", "t")).toBe('{"room":true}');
    expect(stores.accountData.selectContent("@b:x", GLOBAL_ROOM, "t")).toBeUndefined();
    expect(() => stores.accountData.upsertAccountData("@nobody:x", GLOBAL_ROOM, "t", "{}")).toThrow();
  });

  test("stream positions grow with every write and are never reused; changes come oldest first, latest write only", () => {
    const stores = memoryStores();
    addUser(stores, "@a:x");
    addUser(stores, "@b:x");
    const a = stores.accountData.upsertAccountData("@a:x", GLOBAL_ROOM, "t", "{}");
    const b = stores.accountData.upsertAccountData("@a:x", "!r", "t", "{}");
    const other = stores.accountData.upsertAccountData("@b:x", GLOBAL_ROOM, "t", "{}");
    const c = stores.accountData.upsertAccountData("@a:x", GLOBAL_ROOM, "t", '{"v":2}');
    expect([a < b, b < other, other < c]).toEqual([true, true, true]);
    expect(stores.accountData.selectChangedSince("@a:x", 0)).toEqual([
      { stream_position: b, room_id: "!r", type: "t", content: "{}" },
      { stream_position: c, room_id: GLOBAL_ROOM, type: "t", content: '{"v":2}' },
    ]);
    expect(stores.accountData.selectChangedSince("@a:x", b).map((row) => row.stream_position)).toEqual([c]);
    expect(stores.accountData.selectMaxPosition()).toBe(c);
    stores.accountData.deleteByUser("@a:x");
    expect(stores.accountData.selectChangedSince("@a:x", 0)).toEqual([]);
    expect(stores.accountData.upsertAccountData("@a:x", GLOBAL_ROOM, "t", "{}")).toBeGreaterThan(c);
  });

  test("a user's account data goes with the user", () => {
    const stores = memoryStores();
    addUser(stores, "@a:x");
    stores.accountData.upsertAccountData("@a:x", GLOBAL_ROOM, "t", "{}");
    stores.db.query("DELETE FROM users WHERE user_id = ?").run("@a:x");
    expect(stores.accountData.selectChangedSince("@a:x", 0)).toEqual([]);
  });
});
