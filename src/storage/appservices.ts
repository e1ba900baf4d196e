/** Application service registrations (see 0010-appservices.sql). */
import type { Database } from "bun:sqlite";

export interface AppserviceRow {
  id: string;
  as_token_hash: Uint8Array;
  registration: string;
  source: string;
  registered_ts: number;
}

export function createAppserviceStore(db: Database) {
  const selectAppservices = db.query<AppserviceRow, []>(
    "SELECT id, as_token_hash, registration, source, registered_ts FROM appservices ORDER BY id",
  );
  const selectAppservice = db.query<AppserviceRow, [string]>(
    "SELECT id, as_token_hash, registration, source, registered_ts FROM appservices WHERE id = ?",
  );
  const insertAppservice = db.query<void, [string, Uint8Array, string, string, number]>(
    "INSERT INTO appservices (id, as_token_hash, registration, source, registered_ts) VALUES (?, ?, ?, ?, ?)",
  );
  // A replaced registration keeps its queue and its transaction counter.
  const updateAppservice = db.query<void, [Uint8Array, string, string, string]>(
    "UPDATE appservices SET as_token_hash = ?, registration = ?, source = ? WHERE id = ?",
  );
  const deleteAppservice = db.query<void, [string]>("DELETE FROM appservices WHERE id = ?");
  const nextTxnId = db.query<{ txn_id: number }, [string]>(
    "UPDATE appservices SET next_txn_id = next_txn_id + 1 WHERE id = ? RETURNING next_txn_id - 1 AS txn_id",
  );
  // Changes whenever another connection (the CLI in another process) commits.
  const selectDataVersion = db.query<{ data_version: number }, []>("PRAGMA data_version");
  return {
    selectAppservices: () => selectAppservices.all(),
    selectAppservice: (id: string) => selectAppservice.get(id) ?? undefined,
    insertAppservice: (id: string, asTokenHash: Uint8Array, registration: string, source: string, now: number) =>
      insertAppservice.run(id, asTokenHash, registration, source, now),
    updateAppservice: (id: string, asTokenHash: Uint8Array, registration: string, source: string) =>
      updateAppservice.run(asTokenHash, registration, source, id),
    /** The appservice's queue and pending transaction go with it (ON DELETE CASCADE). */
    deleteAppservice: (id: string) => deleteAppservice.run(id).changes > 0,
    /** Hands out the appservice's next transaction id. */
    nextTxnId: (id: string) => nextTxnId.get(id)!.txn_id,
    selectDataVersion: () => selectDataVersion.get()!.data_version,
  };
}

export type AppserviceStore = ReturnType<typeof createAppserviceStore>;
