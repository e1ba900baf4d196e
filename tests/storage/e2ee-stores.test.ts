import { describe, expect, test } from "bun:test";
import { openDatabase } from "../../src/storage/database.ts";
import { openStores } from "../../src/storage/index.ts";

function stores() {
  const s = openStores(openDatabase(":memory:"));
  s.accounts.insertUser({ user_id: "@a:hs", password_hash: null, created_ts: 0 });
  s.devices.insertDevice("@a:hs", "D", null, 0);
  return s;
}

describe("to-device store", () => {
  test("stream positions grow per device and are never handed out twice, even after deletes", () => {
    const s = stores();
    s.devices.insertDevice("@a:hs", "E", null, 0);
    expect([s.toDevice.nextStreamPos("@a:hs", "D"), s.toDevice.nextStreamPos("@a:hs", "D"), s.toDevice.nextStreamPos("@a:hs", "E")]).toEqual([1, 2, 1]);
    s.toDevice.insertMessage("@a:hs", "D", 2, "@b:hs", "t", "{}", 0);
    expect(s.toDevice.deleteMessagesUpTo("@a:hs", "D", 2)).toBe(1);
    s.toDevice.deleteMessagesOfDevice("@a:hs", "D");
    expect(s.toDevice.nextStreamPos("@a:hs", "D")).toBe(3);
  });

  test("messages go when their device row goes", () => {
    const s = stores();
    s.toDevice.insertMessage("@a:hs", "D", s.toDevice.nextStreamPos("@a:hs", "D"), "@b:hs", "t", "{}", 0);
    s.devices.deleteDevice("@a:hs", "D");
    expect(s.toDevice.countMessages("@a:hs", "D")).toBe(0);
  });

  test("expiry deletes in bounded batches, oldest by creation time", () => {
    const s = stores();
    for (let i = 1; i <= 5; i++) s.toDevice.insertMessage("@a:hs", "D", i, "@b:hs", "t", "{}", i * 10);
    expect(s.toDevice.deleteMessagesOlderThan(45, 2)).toBe(2);
    expect(s.toDevice.deleteMessagesOlderThan(45, 2)).toBe(2);
    expect(s.toDevice.selectMessages("@a:hs", "D", 0, 10).map((m) => m.stream_pos)).toEqual([5]);
  });
});

describe("device-list store", () => {
  test("a change moves the user to a new head position; only the latest counts", () => {
    const s = stores();
    expect(s.deviceLists.selectPosition()).toBe(0);
    expect([s.deviceLists.upsertChange("@a:hs"), s.deviceLists.upsertChange("@b:hs"), s.deviceLists.upsertChange("@a:hs")]).toEqual([1, 2, 3]);
    expect(s.deviceLists.selectChangedUsers(0, 3)).toEqual(["@b:hs", "@a:hs"]);
    expect(s.deviceLists.selectChangedUsers(2, 3)).toEqual(["@a:hs"]);
    expect(s.deviceLists.selectChangedUsers(0, 2)).toEqual(["@b:hs"]);
  });
});

describe("device-key store", () => {
  test("claims one-time keys in upload order and removes them", () => {
    const s = stores();
    for (const id of ["Z", "A", "M"]) s.deviceKeys.insertOneTimeKey("@a:hs", "D", "signed_curve25519", id, `"${id}"`);
    const claimed = [1, 2, 3, 4].map(() => s.deviceKeys.claimOneTimeKey("@a:hs", "D", "signed_curve25519")?.key_id ?? null);
    expect(claimed).toEqual(["Z", "A", "M", null]);
  });
});

describe("key backup store", () => {
  test("version numbers count deleted versions and are per user", () => {
    const s = stores();
    expect(s.keyBackup.insertVersion("@a:hs", "alg", "{}")).toBe(1);
    s.keyBackup.updateDeleted("@a:hs", 1);
    expect(s.keyBackup.selectCurrentVersion("@a:hs")).toBeNull();
    expect(s.keyBackup.insertVersion("@a:hs", "alg", "{}")).toBe(2);
    expect(s.keyBackup.insertVersion("@b:hs", "alg", "{}")).toBe(1);
  });
});
