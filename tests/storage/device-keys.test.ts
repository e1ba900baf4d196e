import { describe, expect, test } from "bun:test";
import { addUser, memoryStores } from "../support/stores.ts";

describe("device-key store", () => {
  test("device keys are one row per device, replaced on upload, read with the device's display name", () => {
    const s = memoryStores();
    addUser(s, "@a:hs", "B", "A");
    s.devices.updateDisplayName("@a:hs", "A", "Phone");
    s.deviceKeys.upsertDeviceKeys("@a:hs", "B", "edB", '{"v":1}');
    s.deviceKeys.upsertDeviceKeys("@a:hs", "A", "edA", '{"v":1}');
    s.deviceKeys.upsertDeviceKeys("@a:hs", "B", "edB", '{"v":2}');
    expect(s.deviceKeys.selectDeviceKeys("@a:hs", "B")).toEqual({
      device_id: "B",
      ed25519_key: "edB",
      key_json: '{"v":2}',
      display_name: null,
    });
    expect(s.deviceKeys.selectDeviceKeysByUser("@a:hs").map((row) => [row.device_id, row.display_name])).toEqual([
      ["A", "Phone"],
      ["B", null],
    ]);
    expect(s.deviceKeys.deleteDeviceKeys("@a:hs", "A")).toBe(1);
    expect(s.deviceKeys.selectDeviceKeys("@a:hs", "A")).toBeNull();
    expect(() => s.deviceKeys.upsertDeviceKeys("@a:hs", "NONE", "ed", "{}")).toThrow();
  });

  test("claims one-time keys in upload order and removes them; a key id is unique per device and algorithm", () => {
    const s = memoryStores();
    addUser(s, "@a:hs", "D");
    for (const id of ["Z", "A", "M"]) s.deviceKeys.insertOneTimeKey("@a:hs", "D", "signed_curve25519", id, `"${id}"`);
    s.deviceKeys.insertOneTimeKey("@a:hs", "D", "curve25519", "Z", '"other"');
    expect(() => s.deviceKeys.insertOneTimeKey("@a:hs", "D", "signed_curve25519", "Z", '"again"')).toThrow();
    expect(s.deviceKeys.selectOneTimeKey("@a:hs", "D", "signed_curve25519", "M")).toEqual({ key_json: '"M"' });
    expect(s.deviceKeys.countOneTimeKeys("@a:hs", "D").sort((a, b) => a.algorithm.localeCompare(b.algorithm))).toEqual([
      { algorithm: "curve25519", count: 1 },
      { algorithm: "signed_curve25519", count: 3 },
    ]);
    const claimed = [1, 2, 3, 4].map(
      () => s.deviceKeys.claimOneTimeKey("@a:hs", "D", "signed_curve25519")?.key_id ?? null,
    );
    expect(claimed).toEqual(["Z", "A", "M", null]);
    s.deviceKeys.deleteOneTimeKeys("@a:hs", "D");
    expect(s.deviceKeys.countOneTimeKeys("@a:hs", "D")).toEqual([]);
  });

  test("one fallback key per algorithm: a new upload replaces it unused; using it marks it", () => {
    const s = memoryStores();
    addUser(s, "@a:hs", "D");
    s.deviceKeys.upsertFallbackKey("@a:hs", "D", "signed_curve25519", "F1", '"f1"');
    s.deviceKeys.upsertFallbackKey("@a:hs", "D", "curve25519", "G1", '"g1"');
    s.deviceKeys.updateFallbackKeyUsed("@a:hs", "D", "signed_curve25519");
    expect(s.deviceKeys.selectFallbackKey("@a:hs", "D", "signed_curve25519")).toEqual({
      key_id: "F1",
      key_json: '"f1"',
      used: 1,
    });
    expect(s.deviceKeys.selectUnusedFallbackAlgorithms("@a:hs", "D")).toEqual(["curve25519"]);
    s.deviceKeys.upsertFallbackKey("@a:hs", "D", "signed_curve25519", "F2", '"f2"');
    expect(s.deviceKeys.selectFallbackKey("@a:hs", "D", "signed_curve25519")).toEqual({
      key_id: "F2",
      key_json: '"f2"',
      used: 0,
    });
    expect(s.deviceKeys.selectUnusedFallbackAlgorithms("@a:hs", "D")).toEqual(["curve25519", "signed_curve25519"]);
    s.deviceKeys.deleteFallbackKeys("@a:hs", "D");
    expect(s.deviceKeys.selectFallbackKey("@a:hs", "D", "curve25519")).toBeNull();
  });

  test("every key of a device goes with the device", () => {
    const s = memoryStores();
    addUser(s, "@a:hs", "D");
    s.deviceKeys.upsertDeviceKeys("@a:hs", "D", "ed", "{}");
    s.deviceKeys.insertOneTimeKey("@a:hs", "D", "signed_curve25519", "K", '"k"');
    s.deviceKeys.upsertFallbackKey("@a:hs", "D", "signed_curve25519", "F", '"f"');
    s.devices.deleteDevice("@a:hs", "D");
    expect(s.deviceKeys.selectDeviceKeys("@a:hs", "D")).toBeNull();
    expect(s.deviceKeys.countOneTimeKeys("@a:hs", "D")).toEqual([]);
    expect(s.deviceKeys.selectFallbackKey("@a:hs", "D", "signed_curve25519")).toBeNull();
  });
});
