import { describe, expect, test } from "bun:test";
import { addUser, memoryStores } from "../support/stores.ts";

describe("filter store", () => {
  test("identical filters of one user share an id; ids are per database, filters per user", () => {
    const stores = memoryStores();
    addUser(stores, "@a:x");
    addUser(stores, "@b:x");
    const id = stores.filters.insertFilter("@a:x", "{}");
    expect(stores.filters.selectFilterId("@a:x", "{}")).toBe(id);
    expect(stores.filters.selectFilterId("@a:x", '{"room":{}}')).toBeUndefined();
    expect(() => stores.filters.insertFilter("@a:x", "{}")).toThrow();
    expect(stores.filters.selectFilter("@a:x", id)).toBe("{}");
    expect(stores.filters.selectFilter("@b:x", id)).toBeUndefined();
    const other = stores.filters.insertFilter("@b:x", "{}");
    expect(other).not.toBe(id);
  });

  test("a user's filters are deleted with deleteByUser, and go with the user", () => {
    const stores = memoryStores();
    addUser(stores, "@a:x");
    addUser(stores, "@b:x");
    const a = stores.filters.insertFilter("@a:x", "{}");
    const b = stores.filters.insertFilter("@b:x", "{}");
    stores.filters.deleteByUser("@a:x");
    expect(stores.filters.selectFilter("@a:x", a)).toBeUndefined();
    stores.db.query("DELETE FROM users WHERE user_id = ?").run("@b:x");
    expect(stores.filters.selectFilter("@b:x", b)).toBeUndefined();
  });
});
