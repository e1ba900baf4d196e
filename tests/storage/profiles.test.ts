import { describe, expect, test } from "bun:test";
import { addUser, memoryStores } from "../support/stores.ts";

describe("profile store", () => {
  test("one value per (user, field): an upsert replaces it; fields are listed by name", () => {
    const stores = memoryStores();
    addUser(stores, "@a:x");
    stores.profiles.upsertField("@a:x", "displayname", '"Alice"');
    stores.profiles.upsertField("@a:x", "avatar_url", '"mxc://x/a"');
    stores.profiles.upsertField("@a:x", "displayname", '"Alice B"');
    expect(stores.profiles.selectFields("@a:x")).toEqual([
      { field: "avatar_url", value: '"mxc://x/a"' },
      { field: "displayname", value: '"Alice B"' },
    ]);
    expect(stores.profiles.selectField("@a:x", "displayname")).toEqual({ field: "displayname", value: '"Alice B"' });
    expect(stores.profiles.selectField("@a:x", "m.tz")).toBeNull();
    expect(() => stores.profiles.upsertField("@nobody:x", "displayname", '"N"')).toThrow();
  });

  test("the size without a field counts every other field's bytes", () => {
    const stores = memoryStores();
    addUser(stores, "@a:x");
    expect(stores.profiles.selectSizeWithout("@a:x", "displayname")).toBe(0);
    stores.profiles.upsertField("@a:x", "displayname", '"é"'); // 11 + 4 bytes + 4
    stores.profiles.upsertField("@a:x", "m.tz", '"UTC"'); // 4 + 5 + 4
    expect(stores.profiles.selectSizeWithout("@a:x", "displayname")).toBe(13);
    expect(stores.profiles.selectSizeWithout("@a:x", "other")).toBe(19 + 13);
  });

  test("fields are deleted one by one or all at once, and go with the user", () => {
    const stores = memoryStores();
    addUser(stores, "@a:x");
    addUser(stores, "@b:x");
    for (const user of ["@a:x", "@b:x"])
      for (const field of ["displayname", "avatar_url"]) stores.profiles.upsertField(user, field, '""');
    stores.profiles.deleteField("@a:x", "displayname");
    expect(stores.profiles.selectFields("@a:x").map((row) => row.field)).toEqual(["avatar_url"]);
    stores.profiles.deleteFields("@a:x");
    expect(stores.profiles.selectFields("@a:x")).toEqual([]);
    stores.db.query("DELETE FROM users WHERE user_id = ?").run("@b:x");
    expect(stores.profiles.selectFields("@b:x")).toEqual([]);
  });
});
