import type { Database } from "bun:sqlite";

/** A token with what authentication needs of its user, in one lookup. */
export interface AccessTokenRow {
  user_id: string;
  device_id: string;
  expires_ts: number | null;
  is_guest: number;
  deactivated: number;
  /** The refresh token issued with this access token. */
  refresh_token_hash: Uint8Array | null;
  /** The refresh token that one replaced; revoked when this access token is first used. */
  previous_refresh_hash: Uint8Array | null;
}

/** Tokens arrive here already hashed (core/users/sessions.ts); no plain token is stored. */
export function createAccessTokenStore(db: Database) {
  const selectByHash = db.query<AccessTokenRow, [Uint8Array]>(
    `SELECT a.user_id, a.device_id, a.expires_ts, u.is_guest, u.deactivated, a.refresh_token_hash, r.previous_hash AS previous_refresh_hash
       FROM access_tokens a
       JOIN users u ON u.user_id = a.user_id
       LEFT JOIN refresh_tokens r ON r.token_hash = a.refresh_token_hash
      WHERE a.token_hash = ?`,
  );
  const insertToken = db.query<void, [Uint8Array, string, string, number | null, number, Uint8Array | null]>(
    "INSERT INTO access_tokens (token_hash, user_id, device_id, expires_ts, created_ts, refresh_token_hash) VALUES (?, ?, ?, ?, ?, ?)",
  );
  const deleteByHash = db.query<void, [Uint8Array]>("DELETE FROM access_tokens WHERE token_hash = ?");
  const deleteByDevice = db.query<void, [string, string]>(
    "DELETE FROM access_tokens WHERE user_id = ? AND device_id = ?",
  );
  const deleteByUser = db.query<void, [string]>("DELETE FROM access_tokens WHERE user_id = ?");
  const deleteByRefreshToken = db.query<void, [Uint8Array]>("DELETE FROM access_tokens WHERE refresh_token_hash = ?");
  const selectDataVersion = db.query<{ data_version: number }, []>("PRAGMA data_version");
  return {
    selectByHash: (hash: Uint8Array) => selectByHash.get(hash),
    insertToken: (
      hash: Uint8Array,
      userId: string,
      deviceId: string,
      expiresTs: number | null,
      now: number,
      refreshTokenHash: Uint8Array | null = null,
    ) => insertToken.run(hash, userId, deviceId, expiresTs, now, refreshTokenHash),
    deleteByHash: (hash: Uint8Array) => deleteByHash.run(hash),
    deleteByDevice: (userId: string, deviceId: string) => deleteByDevice.run(userId, deviceId),
    deleteByUser: (userId: string) => deleteByUser.run(userId),
    deleteByRefreshToken: (refreshTokenHash: Uint8Array) => deleteByRefreshToken.run(refreshTokenHash),
    /**
     * Changes when another connection (another process: the `bunduit user` CLI) commits to
     * the database, not with this connection's own writes: token caches use it to notice
     * revocations made elsewhere.
     */
    selectDataVersion: (): number => selectDataVersion.get()?.data_version ?? 0,
  };
}

export type AccessTokenStore = ReturnType<typeof createAccessTokenStore>;
