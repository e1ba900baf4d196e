// What the storage contract tests (tests/storage/) run against: a fresh in-memory database with
// every migration applied, and the stores on it, exactly as the server opens them.
import { type DatabaseHandle, openDatabase } from "../../src/storage/database.ts";
import { openStores, type Stores } from "../../src/storage/index.ts";

export function memoryStores(): Stores & { db: DatabaseHandle } {
  // The handle is the test's own (for a raw DELETE that a cascade must follow); the server's stores do not expose it.
  const db = openDatabase(":memory:");
  return Object.assign(openStores(db), { db });
}

/** Inserts a user (with no password) and its devices: most tables hang off a user or a device. */
export function addUser(stores: Stores, userId: string, ...deviceIds: string[]): void {
  stores.accounts.insertUser({ user_id: userId, password_hash: null, created_ts: 1 });
  for (const deviceId of deviceIds) stores.devices.insertDevice(userId, deviceId, null, 1);
}

export const hash = (n: number) => new Uint8Array(32).fill(n);
