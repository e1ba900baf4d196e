/**
 * The server's end-to-end key state as /sync and /keys/changes render it: a device's
 * one-time key counts and unused fallback key types, the device-list stream, stored device
 * keys. For assertions no single endpoint can make (a position that must not move).
 */
import type { TestUser } from "./fixtures.ts";
import type { TestServer } from "./server.ts";

/** device_one_time_keys_count of the device, as /sync reports it. */
export const oneTimeKeyCounts = (server: TestServer, device: TestUser) =>
  server.services.deviceKeys.oneTimeKeyCounts(device.user_id, device.device_id);

/** device_unused_fallback_key_types of the device, as /sync reports it. */
export const unusedFallbackKeyTypes = (server: TestServer, device: TestUser) =>
  server.services.deviceKeys.unusedFallbackKeyTypes(device.user_id, device.device_id);

/** The device's keys as stored (null: none uploaded, or deleted). */
export const storedDeviceKeys = (server: TestServer, device: TestUser) =>
  server.stores.deviceKeys.selectDeviceKeys(device.user_id, device.device_id);

/** The device-list stream's position (what a sync token carries for device lists). */
export const deviceListPosition = (server: TestServer): number => server.services.deviceLists.deviceListPosition();

/** The users whose device lists changed after `position`, as /keys/changes would list them. */
export const deviceListChangesSince = (server: TestServer, position: number): string[] =>
  server.services.deviceLists.deviceListChangesSince(position);
