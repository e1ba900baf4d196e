import { describe, expect, test } from "bun:test";
import { memoryStores } from "../support/stores.ts";

const user = (userId: string) => ({ user_id: userId, password_hash: null, created_ts: 1 });

describe("openStores: transactions across stores", () => {
  test("transaction returns what its function returns, and a throw undoes all of its writes", () => {
    const s = memoryStores();
    expect(s.transaction(() => (s.accounts.insertUser(user("@a:x")), "done"))).toBe("done");
    expect(() =>
      s.transaction(() => {
        s.accounts.insertUser(user("@b:x"));
        s.devices.insertDevice("@b:x", "D", null, 1);
        throw new Error("refused");
      }),
    ).toThrow("refused");
    expect(s.accounts.selectUsers().map((row) => row.user_id)).toEqual(["@a:x"]);
    expect(s.devices.selectDevicesByUser("@b:x")).toEqual([]);
  });

  test("a transaction commits the open group-commit batch first, so both are durable when it returns", async () => {
    const s = memoryStores();
    const batched = s.groupCommit.write(() => s.accounts.insertUser(user("@batched:x")));
    expect(s.db.inTransaction).toBe(true);
    s.transaction(() => s.accounts.insertUser(user("@own:x")));
    expect(s.db.inTransaction).toBe(false);
    await batched;
    expect(s.accounts.selectUsers().map((row) => row.user_id)).toEqual(["@batched:x", "@own:x"]);
  });

  test("a savepoint inside a write undoes only its own writes when it throws", async () => {
    const s = memoryStores();
    await s.groupCommit.write(() => {
      s.accounts.insertUser(user("@kept:x"));
      expect(() =>
        s.savepoint(() => {
          s.accounts.insertUser(user("@undone:x"));
          throw new Error("refused");
        }),
      ).toThrow("refused");
      expect(s.savepoint(() => (s.accounts.insertUser(user("@also:x")), 1))).toBe(1);
    });
    expect(s.accounts.selectUsers().map((row) => row.user_id)).toEqual(["@also:x", "@kept:x"]);
  });
});
