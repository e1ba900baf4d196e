import type { Database } from "bun:sqlite";

export interface DeviceKeysRow {
  device_id: string;
  ed25519_key: string;
  key_json: string;
  display_name: string | null;
}

export interface OneTimeKeyRow {
  key_id: string;
  key_json: string;
}

/** Device identity keys, one-time keys and fallback keys. */
export function createDeviceKeyStore(db: Database) {
  const selectDeviceKeys = db.query<DeviceKeysRow, [string, string]>(
    `SELECT k.device_id, k.ed25519_key, k.key_json, d.display_name FROM device_keys k
     JOIN devices d ON d.user_id = k.user_id AND d.device_id = k.device_id WHERE k.user_id = ? AND k.device_id = ?`,
  );
  const selectDeviceKeysByUser = db.query<DeviceKeysRow, [string]>(
    `SELECT k.device_id, k.ed25519_key, k.key_json, d.display_name FROM device_keys k
     JOIN devices d ON d.user_id = k.user_id AND d.device_id = k.device_id WHERE k.user_id = ? ORDER BY k.device_id`,
  );
  const upsertDeviceKeys = db.query<void, [string, string, string, string]>(
    `INSERT INTO device_keys (user_id, device_id, ed25519_key, key_json) VALUES (?, ?, ?, ?)
     ON CONFLICT (user_id, device_id) DO UPDATE SET ed25519_key = excluded.ed25519_key, key_json = excluded.key_json`,
  );
  const deleteDeviceKeys = db.query<void, [string, string]>(
    "DELETE FROM device_keys WHERE user_id = ? AND device_id = ?",
  );

  const selectOneTimeKey = db.query<{ key_json: string }, [string, string, string, string]>(
    "SELECT key_json FROM one_time_keys WHERE user_id = ? AND device_id = ? AND algorithm = ? AND key_id = ?",
  );
  const insertOneTimeKey = db.query<void, [string, string, string, string, string]>(
    "INSERT INTO one_time_keys (user_id, device_id, algorithm, key_id, key_json) VALUES (?, ?, ?, ?, ?)",
  );
  // One statement finds and removes the oldest key, so no two claims can get the same one.
  const claimOneTimeKey = db.query<OneTimeKeyRow, [string, string, string]>(
    `DELETE FROM one_time_keys WHERE id = (
       SELECT id FROM one_time_keys WHERE user_id = ?1 AND device_id = ?2 AND algorithm = ?3 ORDER BY id LIMIT 1
     ) RETURNING key_id, key_json`,
  );
  const countOneTimeKeys = db.query<{ algorithm: string; count: number }, [string, string]>(
    "SELECT algorithm, count(*) AS count FROM one_time_keys WHERE user_id = ? AND device_id = ? GROUP BY algorithm",
  );
  const deleteOneTimeKeys = db.query<void, [string, string]>(
    "DELETE FROM one_time_keys WHERE user_id = ? AND device_id = ?",
  );

  const selectFallbackKey = db.query<OneTimeKeyRow & { used: number }, [string, string, string]>(
    "SELECT key_id, key_json, used FROM fallback_keys WHERE user_id = ? AND device_id = ? AND algorithm = ?",
  );
  const upsertFallbackKey = db.query<void, [string, string, string, string, string]>(
    `INSERT INTO fallback_keys (user_id, device_id, algorithm, key_id, key_json, used) VALUES (?, ?, ?, ?, ?, 0)
     ON CONFLICT (user_id, device_id, algorithm) DO UPDATE SET key_id = excluded.key_id, key_json = excluded.key_json, used = 0`,
  );
  const updateFallbackKeyUsed = db.query<void, [string, string, string]>(
    "UPDATE fallback_keys SET used = 1 WHERE user_id = ? AND device_id = ? AND algorithm = ?",
  );
  const selectUnusedFallbackAlgorithms = db.query<{ algorithm: string }, [string, string]>(
    "SELECT algorithm FROM fallback_keys WHERE user_id = ? AND device_id = ? AND used = 0 ORDER BY algorithm",
  );
  const deleteFallbackKeys = db.query<void, [string, string]>(
    "DELETE FROM fallback_keys WHERE user_id = ? AND device_id = ?",
  );

  return {
    selectDeviceKeys: (userId: string, deviceId: string) => selectDeviceKeys.get(userId, deviceId),
    selectDeviceKeysByUser: (userId: string) => selectDeviceKeysByUser.all(userId),
    upsertDeviceKeys: (userId: string, deviceId: string, ed25519Key: string, keyJson: string) =>
      upsertDeviceKeys.run(userId, deviceId, ed25519Key, keyJson),
    deleteDeviceKeys: (userId: string, deviceId: string) => deleteDeviceKeys.run(userId, deviceId).changes,

    selectOneTimeKey: (userId: string, deviceId: string, algorithm: string, keyId: string) =>
      selectOneTimeKey.get(userId, deviceId, algorithm, keyId),
    insertOneTimeKey: (userId: string, deviceId: string, algorithm: string, keyId: string, keyJson: string) =>
      insertOneTimeKey.run(userId, deviceId, algorithm, keyId, keyJson),
    claimOneTimeKey: (userId: string, deviceId: string, algorithm: string) =>
      claimOneTimeKey.get(userId, deviceId, algorithm),
    countOneTimeKeys: (userId: string, deviceId: string) => countOneTimeKeys.all(userId, deviceId),
    deleteOneTimeKeys: (userId: string, deviceId: string) => deleteOneTimeKeys.run(userId, deviceId),

    selectFallbackKey: (userId: string, deviceId: string, algorithm: string) =>
      selectFallbackKey.get(userId, deviceId, algorithm),
    upsertFallbackKey: (userId: string, deviceId: string, algorithm: string, keyId: string, keyJson: string) =>
      upsertFallbackKey.run(userId, deviceId, algorithm, keyId, keyJson),
    updateFallbackKeyUsed: (userId: string, deviceId: string, algorithm: string) =>
      updateFallbackKeyUsed.run(userId, deviceId, algorithm),
    selectUnusedFallbackAlgorithms: (userId: string, deviceId: string) =>
      selectUnusedFallbackAlgorithms.all(userId, deviceId).map((row) => row.algorithm),
    deleteFallbackKeys: (userId: string, deviceId: string) => deleteFallbackKeys.run(userId, deviceId),
  };
}

export type DeviceKeyStore = ReturnType<typeof createDeviceKeyStore>;
