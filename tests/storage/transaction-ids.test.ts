import { describe, expect, test } from "bun:test";
import { memoryStores } from "../support/stores.ts";

describe("transaction id store", () => {
  test("a transaction id maps to its event per (user, device, scope); a second insert is refused", () => {
    const s = memoryStores();
    s.transactionIds.insertTransactionId("@a", "D", "send\0!r\0m.room.message", "t1", "$1", 10);
    expect(s.transactionIds.selectEventId("@a", "D", "send\0!r\0m.room.message", "t1")).toBe("$1");
    for (const [user, device, scope] of [
      ["@b", "D", "send\0!r\0m.room.message"],
      ["@a", "E", "send\0!r\0m.room.message"],
      ["@a", "D", "send\0!q\0m.room.message"],
    ]) {
      expect(s.transactionIds.selectEventId(user!, device!, scope!, "t1")).toBeUndefined();
    }
    expect(() => s.transactionIds.insertTransactionId("@a", "D", "send\0!r\0m.room.message", "t1", "$2", 11)).toThrow();
  });

  test("ids older than a time are deleted, newer ones kept", () => {
    const s = memoryStores();
    s.transactionIds.insertTransactionId("@a", "D", "s", "old", "$1", 10);
    s.transactionIds.insertTransactionId("@a", "D", "s", "new", "$2", 20);
    expect(s.transactionIds.deleteOlderThan(20)).toBe(1);
    expect([
      s.transactionIds.selectEventId("@a", "D", "s", "old"),
      s.transactionIds.selectEventId("@a", "D", "s", "new"),
    ]).toEqual([undefined, "$2"]);
  });
});
