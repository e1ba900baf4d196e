import type { Database } from "bun:sqlite";

export interface SigningKeyRow {
  key_id: string;
  seed: Uint8Array;
  created_ts: number;
  expired_ts: number | null;
}

export function createServerKeyStore(db: Database) {
  const selectActiveKey = db.query<SigningKeyRow, []>(
    "SELECT key_id, seed, created_ts, expired_ts FROM server_signing_keys WHERE expired_ts IS NULL ORDER BY created_ts DESC LIMIT 1",
  );
  const selectExpiredKeys = db.query<SigningKeyRow, []>(
    "SELECT key_id, seed, created_ts, expired_ts FROM server_signing_keys WHERE expired_ts IS NOT NULL",
  );
  const insertKey = db.query<void, [string, Uint8Array, number]>(
    "INSERT INTO server_signing_keys (key_id, seed, created_ts) VALUES (?, ?, ?)",
  );
  return {
    selectActiveKey: () => selectActiveKey.get(),
    selectExpiredKeys: () => selectExpiredKeys.all(),
    insertKey: (keyId: string, seed: Uint8Array, now: number) => insertKey.run(keyId, seed, now),
  };
}

export type ServerKeyStore = ReturnType<typeof createServerKeyStore>;
