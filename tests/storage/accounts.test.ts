import { describe, expect, test } from "bun:test";
import { memoryStores } from "../support/stores.ts";

describe("account store (users)", () => {
  test("a user is inserted with its flags and read back; user ids are unique", () => {
    const stores = memoryStores();
    stores.accounts.insertUser({ user_id: "@b:x", password_hash: "hash", is_admin: true, created_ts: 5 });
    stores.accounts.insertUser({
      user_id: "@a:x",
      password_hash: null,
      is_guest: true,
      appservice_id: "bridge",
      created_ts: 6,
    });
    expect(stores.accounts.selectUser("@b:x")).toEqual({
      user_id: "@b:x",
      password_hash: "hash",
      is_guest: 0,
      is_admin: 1,
      deactivated: 0,
      appservice_id: null,
      created_ts: 5,
    });
    expect(stores.accounts.selectUser("@a:x")).toMatchObject({ is_guest: 1, is_admin: 0, appservice_id: "bridge" });
    expect(stores.accounts.selectUser("@nobody:x")).toBeNull();
    expect(() => stores.accounts.insertUser({ user_id: "@a:x", password_hash: null, created_ts: 7 })).toThrow();
    expect(stores.accounts.selectUsers().map((user) => user.user_id)).toEqual(["@a:x", "@b:x"]);
  });

  test("password, admin flag and deactivation are updated; deactivating drops the password", () => {
    const stores = memoryStores();
    stores.accounts.insertUser({ user_id: "@a:x", password_hash: "old", created_ts: 1 });
    stores.accounts.updatePasswordHash("@a:x", "new");
    stores.accounts.updateAdmin("@a:x", true);
    expect(stores.accounts.selectUser("@a:x")).toMatchObject({ password_hash: "new", is_admin: 1 });
    stores.accounts.updateDeactivated("@a:x");
    expect(stores.accounts.selectUser("@a:x")).toMatchObject({ password_hash: null, deactivated: 1 });
  });

  test("only an active guest becomes a full user", () => {
    const stores = memoryStores();
    stores.accounts.insertUser({ user_id: "@guest:x", password_hash: null, is_guest: true, created_ts: 1 });
    stores.accounts.insertUser({ user_id: "@user:x", password_hash: "p", created_ts: 1 });
    stores.accounts.insertUser({ user_id: "@gone:x", password_hash: null, is_guest: true, created_ts: 1 });
    stores.accounts.updateDeactivated("@gone:x");
    expect(stores.accounts.updateGuestToUser("@guest:x", "h").changes).toBe(1);
    expect(stores.accounts.selectUser("@guest:x")).toMatchObject({ is_guest: 0, password_hash: "h" });
    expect(stores.accounts.updateGuestToUser("@user:x", "h").changes).toBe(0);
    expect(stores.accounts.updateGuestToUser("@gone:x", "h").changes).toBe(0);
    expect(stores.accounts.selectUser("@user:x")?.password_hash).toBe("p");
  });
});
