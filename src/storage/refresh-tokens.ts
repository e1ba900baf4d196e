import type { Database } from "bun:sqlite";

export interface RefreshTokenRow {
  token_hash: Uint8Array;
  user_id: string;
  device_id: string;
  previous_hash: Uint8Array | null;
}

/** Refresh tokens, stored as sha256 hashes; their access tokens go with them (ON DELETE CASCADE). */
export function createRefreshTokenStore(db: Database) {
  const selectByHash = db.query<RefreshTokenRow, [Uint8Array]>(
    "SELECT token_hash, user_id, device_id, previous_hash FROM refresh_tokens WHERE token_hash = ?",
  );
  const insertToken = db.query<void, [Uint8Array, string, string, Uint8Array | null, number]>(
    "INSERT INTO refresh_tokens (token_hash, user_id, device_id, previous_hash, created_ts) VALUES (?, ?, ?, ?, ?)",
  );
  const deleteByHash = db.query<void, [Uint8Array]>("DELETE FROM refresh_tokens WHERE token_hash = ?");
  const deleteByPrevious = db.query<void, [Uint8Array]>("DELETE FROM refresh_tokens WHERE previous_hash = ?");
  const clearPrevious = db.query<void, [Uint8Array]>(
    "UPDATE refresh_tokens SET previous_hash = NULL WHERE token_hash = ?",
  );
  const deleteByDevice = db.query<void, [string, string]>(
    "DELETE FROM refresh_tokens WHERE user_id = ? AND device_id = ?",
  );
  return {
    selectByHash: (hash: Uint8Array) => selectByHash.get(hash),
    insertToken: (hash: Uint8Array, userId: string, deviceId: string, previousHash: Uint8Array | null, now: number) =>
      insertToken.run(hash, userId, deviceId, previousHash, now),
    deleteByHash: (hash: Uint8Array) => deleteByHash.run(hash),
    /** Tokens issued from `hash` earlier whose response the client never used. */
    deleteByPrevious: (hash: Uint8Array) => deleteByPrevious.run(hash),
    clearPrevious: (hash: Uint8Array) => clearPrevious.run(hash),
    deleteByDevice: (userId: string, deviceId: string) => deleteByDevice.run(userId, deviceId),
  };
}

export type RefreshTokenStore = ReturnType<typeof createRefreshTokenStore>;
