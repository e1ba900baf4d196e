import { describe, expect, test } from "bun:test";
import { memoryStores } from "../support/stores.ts";

describe("device-list store", () => {
  test("a change moves the user to a new head position; only the latest counts", () => {
    const s = memoryStores();
    expect(s.deviceLists.selectPosition()).toBe(0);
    expect(s.deviceLists.selectChangedUsers(0, 10)).toEqual([]);
    expect([
      s.deviceLists.upsertChange("@a:hs"),
      s.deviceLists.upsertChange("@b:hs"),
      s.deviceLists.upsertChange("@a:hs"),
    ]).toEqual([1, 2, 3]);
    expect(s.deviceLists.selectPosition()).toBe(3);
    expect(s.deviceLists.selectChangedUsers(0, 3)).toEqual(["@b:hs", "@a:hs"]);
    expect(s.deviceLists.selectChangedUsers(2, 3)).toEqual(["@a:hs"]);
    expect(s.deviceLists.selectChangedUsers(0, 2)).toEqual(["@b:hs"]);
    expect(s.deviceLists.selectChangedUsers(3, 3)).toEqual([]);
  });
});
