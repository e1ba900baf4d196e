import type { Database } from "bun:sqlite";

export interface DeviceRow {
  user_id: string;
  device_id: string;
  display_name: string | null;
  last_seen_ts: number | null;
  last_seen_ip: string | null;
  created_ts: number;
}

export function createDeviceStore(db: Database) {
  const columns = "user_id, device_id, display_name, last_seen_ts, last_seen_ip, created_ts";
  const selectDevice = db.query<DeviceRow, [string, string]>(
    `SELECT ${columns} FROM devices WHERE user_id = ? AND device_id = ?`,
  );
  const selectDevicesByUser = db.query<DeviceRow, [string]>(
    `SELECT ${columns} FROM devices WHERE user_id = ? ORDER BY device_id`,
  );
  const insertDevice = db.query<void, [string, string, string | null, number]>(
    "INSERT INTO devices (user_id, device_id, display_name, created_ts) VALUES (?, ?, ?, ?) ON CONFLICT (user_id, device_id) DO NOTHING",
  );
  const updateLastSeen = db.query<void, [number, string | null, string, string]>(
    "UPDATE devices SET last_seen_ts = ?, last_seen_ip = ? WHERE user_id = ? AND device_id = ?",
  );
  const updateDisplayName = db.query<void, [string | null, string, string]>(
    "UPDATE devices SET display_name = ? WHERE user_id = ? AND device_id = ?",
  );
  const deleteDevice = db.query<void, [string, string]>("DELETE FROM devices WHERE user_id = ? AND device_id = ?");
  const selectDeviceIdsExcept = db.query<{ device_id: string }, [string, string]>(
    "SELECT device_id FROM devices WHERE user_id = ? AND device_id <> ?",
  );
  return {
    selectDevice: (userId: string, deviceId: string) => selectDevice.get(userId, deviceId),
    selectDevicesByUser: (userId: string) => selectDevicesByUser.all(userId),
    insertDevice: (userId: string, deviceId: string, displayName: string | null, now: number) =>
      insertDevice.run(userId, deviceId, displayName, now),
    updateLastSeen: (userId: string, deviceId: string, ts: number, ip: string | null) =>
      updateLastSeen.run(ts, ip, userId, deviceId),
    updateDisplayName: (userId: string, deviceId: string, name: string | null) =>
      updateDisplayName.run(name, userId, deviceId),
    deleteDevice: (userId: string, deviceId: string) => deleteDevice.run(userId, deviceId),
    /** Every device of the user but `deviceId` (pass "" for all of them). */
    selectDeviceIdsExcept: (userId: string, deviceId: string) =>
      selectDeviceIdsExcept.all(userId, deviceId).map((r) => r.device_id),
  };
}

export type DeviceStore = ReturnType<typeof createDeviceStore>;
