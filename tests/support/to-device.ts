/**
 * A device's to-device inbox as /sync reads it: a page from a position, the acknowledgement
 * /sync makes with `since`, what is still pending, and the housekeeping around it.
 */
import type { TestUser } from "./fixtures.ts";
import type { TestServer } from "./server.ts";

/** The page of the device's inbox after `since`, as /sync would return it (nothing acknowledged). */
export const toDeviceInbox = (server: TestServer, device: TestUser, since = 0, limit = 100) =>
  server.services.toDevice.messagesFor(device.user_id, device.device_id, since, limit);

/** Drops what the device has read up to `position`, as /sync does with `since`; returns how many. */
export const acknowledgeToDevice = (
  server: TestServer,
  device: Pick<TestUser, "user_id" | "device_id">,
  position: number,
): number => server.services.toDevice.acknowledge(device.user_id, device.device_id, position);

/** How many messages wait for the device. */
export const pendingToDevice = (server: TestServer, userId: string, deviceId: string): number =>
  server.services.toDevice.pendingCount(userId, deviceId);

/** Runs the hourly expiry of old to-device messages now. */
export const expireToDevice = (server: TestServer) => server.services.toDevice.expire();

/** Drops the device's inbox, as logging the device out does. */
export const deleteToDeviceInbox = (server: TestServer, device: TestUser): void =>
  void server.services.toDevice.deleteInbox(device.user_id, device.device_id);

/** Deletes the device's row only (no logout): its inbox must go with it. */
export const deleteDeviceRow = (server: TestServer, device: TestUser): void =>
  void server.stores.devices.deleteDevice(device.user_id, device.device_id);
