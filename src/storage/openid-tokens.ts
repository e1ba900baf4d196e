import type { Database } from "bun:sqlite";

export interface OpenIdTokenRow {
  user_id: string;
  expires_ts: number;
}

/** Tokens arrive here already hashed (core/users/openid.ts); no plain token is stored. */
export function createOpenIdTokenStore(db: Database) {
  const selectByHash = db.query<OpenIdTokenRow, [Uint8Array]>(
    "SELECT user_id, expires_ts FROM openid_tokens WHERE token_hash = ?",
  );
  const insertToken = db.query<void, [Uint8Array, string, number, number]>(
    "INSERT INTO openid_tokens (token_hash, user_id, expires_ts, created_ts) VALUES (?, ?, ?, ?)",
  );
  const deleteExpired = db.query<void, [number]>("DELETE FROM openid_tokens WHERE expires_ts <= ?");
  return {
    selectByHash: (hash: Uint8Array) => selectByHash.get(hash),
    insertToken: (hash: Uint8Array, userId: string, expiresTs: number, now: number) =>
      insertToken.run(hash, userId, expiresTs, now),
    deleteExpired: (now: number) => deleteExpired.run(now),
  };
}

export type OpenIdTokenStore = ReturnType<typeof createOpenIdTokenStore>;
