/**
 * What only the server's storage can show: rows a test must see (or see absent) that no
 * client endpoint returns, such as content reports, which go to the operator, and a user's
 * receipt as stored rather than as /sync renders it.
 */
import type { TestServer } from "./server.ts";

/** The content reports the operator would list, oldest first. */
export const storedReports = (server: TestServer, limit = 10) => server.stores.reports.selectReports(0, limit);

/** The user's stored receipt of `type` in the room (thread "" is the unthreaded one). */
export const storedReceipt = (server: TestServer, roomId: string, type: string, userId: string, threadId = "") =>
  server.stores.receipts.selectReceipt(roomId, type, userId, threadId);

/** The highest event stream position: unchanged when a refused request appended nothing. */
export const eventStreamPosition = (server: TestServer): number => server.stores.events.selectMaxStream();

/** The room's version as stored. */
export const storedRoomVersion = (server: TestServer, roomId: string) =>
  server.stores.rooms.selectRoom(roomId)?.room_version;

/** Whether the room is listed in the public room directory (network "" is the server's own). */
export const isListedInDirectory = (server: TestServer, roomId: string, network = ""): boolean =>
  server.stores.directory.isListed(roomId, network);

/** The account row (appservice_id, admin and deactivation flags, hash), if any. */
export const storedAccount = (server: TestServer, userId: string) => server.stores.accounts.selectUser(userId);

/** How many accounts exist. */
export const storedAccountCount = (server: TestServer): number => server.stores.accounts.selectUsers().length;

/** The user's device rows. */
export const storedDevices = (server: TestServer, userId: string) => server.stores.devices.selectDevicesByUser(userId);

/** One device's row (last_seen_ts, last_seen_ip, display name), if any. */
export const storedDevice = (server: TestServer, device: { user_id: string; device_id: string }) =>
  server.stores.devices.selectDevice(device.user_id, device.device_id);

/** How many media rows exist (uploaded or pending). */
export const storedMediaCount = (server: TestServer): number =>
  server.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM media").get()!.n;

/** The hashes of the OpenID tokens stored (tokens themselves are never stored). */
export const storedOpenIdTokenHashes = (server: TestServer): Uint8Array[] =>
  server.db
    .query<{ token_hash: Uint8Array }, []>("SELECT token_hash FROM openid_tokens")
    .all()
    .map((row) => row.token_hash);

/** How many key-backup sessions the user has in the backup version. */
export const storedBackupSessionCount = (server: TestServer, userId: string, version: number): number =>
  server.stores.keyBackup.countSessions(userId, version);
