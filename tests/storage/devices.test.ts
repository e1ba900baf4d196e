import { describe, expect, test } from "bun:test";
import { addUser, memoryStores } from "../support/stores.ts";

describe("device store", () => {
  test("devices are listed per user in device id order; inserting a known device changes nothing", () => {
    const stores = memoryStores();
    addUser(stores, "@a:x");
    addUser(stores, "@b:x");
    stores.devices.insertDevice("@a:x", "PHONE", "Phone", 10);
    stores.devices.insertDevice("@a:x", "LAPTOP", null, 11);
    stores.devices.insertDevice("@b:x", "PHONE", null, 12);
    stores.devices.insertDevice("@a:x", "PHONE", "Renamed", 13);
    expect(stores.devices.selectDevicesByUser("@a:x").map((device) => [device.device_id, device.display_name])).toEqual(
      [
        ["LAPTOP", null],
        ["PHONE", "Phone"],
      ],
    );
    expect(stores.devices.selectDevice("@a:x", "PHONE")).toEqual({
      user_id: "@a:x",
      device_id: "PHONE",
      display_name: "Phone",
      last_seen_ts: null,
      last_seen_ip: null,
      created_ts: 10,
    });
    expect(stores.devices.selectDevice("@a:x", "NONE")).toBeNull();
    expect(stores.devices.selectDeviceIdsExcept("@a:x", "PHONE")).toEqual(["LAPTOP"]);
    expect(stores.devices.selectDeviceIdsExcept("@a:x", "").sort()).toEqual(["LAPTOP", "PHONE"]);
  });

  test("a device needs its user, and goes with it", () => {
    const stores = memoryStores();
    expect(() => stores.devices.insertDevice("@nobody:x", "D", null, 1)).toThrow();
    addUser(stores, "@a:x", "D");
    stores.db.query("DELETE FROM users WHERE user_id = ?").run("@a:x");
    expect(stores.devices.selectDevicesByUser("@a:x")).toEqual([]);
  });

  test("last seen and display name are updated; a device is deleted on its own", () => {
    const stores = memoryStores();
    addUser(stores, "@a:x", "D", "E");
    stores.devices.updateLastSeen("@a:x", "D", 99, "10.0.0.1");
    stores.devices.updateDisplayName("@a:x", "D", "Desk");
    expect(stores.devices.selectDevice("@a:x", "D")).toMatchObject({
      last_seen_ts: 99,
      last_seen_ip: "10.0.0.1",
      display_name: "Desk",
    });
    stores.devices.deleteDevice("@a:x", "D");
    expect(stores.devices.selectDevicesByUser("@a:x").map((device) => device.device_id)).toEqual(["E"]);
  });
});
