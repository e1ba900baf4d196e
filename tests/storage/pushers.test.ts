import { describe, expect, test } from "bun:test";
import { memoryStores } from "../support/stores.ts";

const ALICE = "@alice:example.org";
const BOB = "@bob:example.org";

function setup() {
  const stores = memoryStores();
  for (const user_id of [ALICE, BOB]) stores.accounts.insertUser({ user_id, password_hash: null, created_ts: 0 });
  return stores;
}

describe("pushers store", () => {
  const pusher = (user_id: string, pushkey: string, device_id: string | null = null) => ({
    user_id,
    app_id: "org.example.app",
    pushkey,
    kind: "http",
    app_display_name: "App",
    device_display_name: "Phone",
    profile_tag: null,
    lang: "en",
    data: '{"url":"https://push.example.org/_matrix/push/v1/notify"}',
    device_id,
    pushkey_ts: 1000,
  });

  test("a pusher is set, replaced by (user, app_id, pushkey) and deleted", () => {
    const { pushers } = setup();
    pushers.upsertPusher(pusher(ALICE, "k1"));
    pushers.upsertPusher({ ...pusher(ALICE, "k1"), lang: "de" });
    pushers.upsertPusher(pusher(ALICE, "k2"));
    expect(pushers.selectByUser(ALICE).map((p) => [p.pushkey, p.lang])).toEqual([
      ["k1", "de"],
      ["k2", "en"],
    ]);
    expect(pushers.deletePusher(ALICE, "org.example.app", "k1")).toBe(true);
    expect(pushers.deletePusher(ALICE, "org.example.app", "k1")).toBe(false);
  });

  test("other users' pushers with the same app_id and pushkey can be removed", () => {
    const { pushers } = setup();
    pushers.upsertPusher(pusher(ALICE, "shared"));
    pushers.upsertPusher(pusher(BOB, "shared"));
    expect(pushers.deleteForOtherUsers("org.example.app", "shared", BOB)).toBe(1);
    expect(pushers.selectByUser(ALICE)).toEqual([]);
    expect(pushers.selectByUser(BOB)).toHaveLength(1);
  });

  test("all of a user's pushers can be deleted at once", () => {
    const { pushers } = setup();
    pushers.upsertPusher(pusher(ALICE, "k1"));
    pushers.upsertPusher(pusher(ALICE, "k2"));
    pushers.upsertPusher(pusher(BOB, "k3"));
    expect(pushers.deleteByUser(ALICE)).toBe(2);
    expect(pushers.selectByUser(ALICE)).toEqual([]);
    expect(pushers.selectByUser(BOB)).toHaveLength(1);
    expect(pushers.selectPusher(BOB, "org.example.app", "k3")?.pushkey).toBe("k3");
    expect(pushers.selectPusher(BOB, "org.example.app", "k1")).toBeUndefined();
  });

  test("a pusher set from a device goes with the device", () => {
    const stores = setup();
    stores.devices.insertDevice(ALICE, "PHONE", null, 0);
    stores.pushers.upsertPusher(pusher(ALICE, "k", "PHONE"));
    stores.db.query("DELETE FROM devices WHERE user_id = ? AND device_id = ?").run(ALICE, "PHONE");
    expect(stores.pushers.selectByUser(ALICE)).toEqual([]);
  });
});
