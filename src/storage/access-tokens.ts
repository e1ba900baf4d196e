import type { Database } from "bun:sqlite";

export interface AccessTokenRow {
  user_id: string;
  device_id: string;
  expires_ts: number | null;
}

/** Tokens arrive here already hashed (core/users/sessions.ts); no plain token is stored. */
export function createAccessTokenStore(db: Database) {
  const selectByHash = db.query<AccessTokenRow, [Uint8Array]>(
    "SELECT user_id, device_id, expires_ts FROM access_tokens WHERE token_hash = ?",
  );
  const insertToken = db.query<void, [Uint8Array, string, string, number | null, number]>(
    "INSERT INTO access_tokens (token_hash, user_id, device_id, expires_ts, created_ts) VALUES (?, ?, ?, ?, ?)",
  );
  const deleteByHash = db.query<void, [Uint8Array]>("DELETE FROM access_tokens WHERE token_hash = ?");
  const deleteByDevice = db.query<void, [string, string]>("DELETE FROM access_tokens WHERE user_id = ? AND device_id = ?");
  const deleteByUser = db.query<void, [string]>("DELETE FROM access_tokens WHERE user_id = ?");
  return {
    selectByHash: (hash: Uint8Array) => selectByHash.get(hash),
    insertToken: (hash: Uint8Array, userId: string, deviceId: string, expiresTs: number | null, now: number) =>
      insertToken.run(hash, userId, deviceId, expiresTs, now),
    deleteByHash: (hash: Uint8Array) => deleteByHash.run(hash),
    deleteByDevice: (userId: string, deviceId: string) => deleteByDevice.run(userId, deviceId),
    deleteByUser: (userId: string) => deleteByUser.run(userId),
  };
}

export type AccessTokenStore = ReturnType<typeof createAccessTokenStore>;
