import { describe, expect, test } from "bun:test";
import { memoryStores } from "../support/stores.ts";

describe("user-interactive auth session store", () => {
  test("a session starts with no completed stage and records them in order", () => {
    const stores = memoryStores();
    stores.uiaSessions.insertSession("s1", "register", null, 1, 100);
    expect(stores.uiaSessions.selectSession("s1")).toEqual({
      session_id: "s1",
      action: "register",
      user_id: null,
      completed: "[]",
      expires_ts: 100,
    });
    stores.uiaSessions.updateCompleted("s1", ["m.login.registration_token", "m.login.dummy"]);
    expect(JSON.parse(stores.uiaSessions.selectSession("s1")!.completed)).toEqual([
      "m.login.registration_token",
      "m.login.dummy",
    ]);
    expect(() => stores.uiaSessions.insertSession("s1", "register", null, 2, 100)).toThrow();
    expect(stores.uiaSessions.selectSession("s2")).toBeNull();
  });

  test("sessions are deleted one by one, and those expired by now (inclusive) in bulk", () => {
    const stores = memoryStores();
    stores.uiaSessions.insertSession("old", "register", null, 1, 10);
    stores.uiaSessions.insertSession("edge", "delete_devices", "@a:x", 1, 500);
    stores.uiaSessions.insertSession("new", "register", null, 1, 1000);
    stores.uiaSessions.insertSession("gone", "register", null, 1, 1000);
    stores.uiaSessions.deleteExpired(500);
    stores.uiaSessions.deleteSession("gone");
    expect(["old", "edge", "new", "gone"].filter((id) => stores.uiaSessions.selectSession(id) !== null)).toEqual([
      "new",
    ]);
  });
});
