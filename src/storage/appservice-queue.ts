/** The durable outbound queue of application services (see 0010-appservices.sql). */
import type { Database } from "bun:sqlite";

export type OutboxKind = "event" | "ephemeral" | "to_device" | "device_list";

export interface OutboxRow {
  seq: number;
  kind: OutboxKind;
  payload: string;
}

export interface TransactionRow {
  appservice_id: string;
  txn_id: number;
  body: string;
  created_ts: number;
  attempts: number;
  last_error: string | null;
}

export function createAppserviceQueueStore(db: Database) {
  const insertOutboxItem = db.query<void, [string, string, string, number]>(
    "INSERT INTO appservice_outbox (appservice_id, kind, payload, created_ts) VALUES (?, ?, ?, ?)",
  );
  const selectOutbox = db.query<OutboxRow, [string, number]>(
    "SELECT seq, kind, payload FROM appservice_outbox WHERE appservice_id = ? ORDER BY seq LIMIT ?",
  );
  const deleteOutboxUpTo = db.query<void, [string, number]>(
    "DELETE FROM appservice_outbox WHERE appservice_id = ? AND seq <= ?",
  );
  const countOutbox = db.query<{ count: number }, [string]>(
    "SELECT count(*) AS count FROM appservice_outbox WHERE appservice_id = ?",
  );
  const selectTransaction = db.query<TransactionRow, [string]>(
    "SELECT appservice_id, txn_id, body, created_ts, attempts, last_error FROM appservice_transactions WHERE appservice_id = ?",
  );
  const insertTransaction = db.query<void, [string, number, string, number]>(
    "INSERT INTO appservice_transactions (appservice_id, txn_id, body, created_ts) VALUES (?, ?, ?, ?)",
  );
  const updateFailure = db.query<void, [string, string, number]>(
    "UPDATE appservice_transactions SET attempts = attempts + 1, last_error = ? WHERE appservice_id = ? AND txn_id = ?",
  );
  const deleteTransaction = db.query<void, [string, number]>(
    "DELETE FROM appservice_transactions WHERE appservice_id = ? AND txn_id = ?",
  );
  const selectAppservicesWithWork = db.query<{ appservice_id: string }, []>(
    "SELECT appservice_id FROM appservice_transactions UNION SELECT DISTINCT appservice_id FROM appservice_outbox",
  );
  const selectFeedPosition = db.query<{ position: number }, [string]>(
    "SELECT position FROM appservice_feed_positions WHERE feed = ?",
  );
  const upsertFeedPosition = db.query<void, [string, number]>(
    "INSERT INTO appservice_feed_positions (feed, position) VALUES (?, ?) ON CONFLICT (feed) DO UPDATE SET position = excluded.position",
  );
  return {
    insertOutboxItem: (appserviceId: string, kind: OutboxKind, payload: string, now: number) =>
      insertOutboxItem.run(appserviceId, kind, payload, now),
    /** The oldest `limit` items waiting for the appservice. */
    selectOutbox: (appserviceId: string, limit: number) => selectOutbox.all(appserviceId, limit),
    deleteOutboxUpTo: (appserviceId: string, seq: number) => deleteOutboxUpTo.run(appserviceId, seq),
    countOutbox: (appserviceId: string) => countOutbox.get(appserviceId)!.count,
    selectTransaction: (appserviceId: string) => selectTransaction.get(appserviceId) ?? undefined,
    insertTransaction: (appserviceId: string, txnId: number, body: string, now: number) =>
      insertTransaction.run(appserviceId, txnId, body, now),
    updateFailure: (appserviceId: string, txnId: number, error: string) =>
      updateFailure.run(error, appserviceId, txnId),
    deleteTransaction: (appserviceId: string, txnId: number) => deleteTransaction.run(appserviceId, txnId),
    /** Appservices with a pending transaction or queued items (to resume after a restart). */
    selectAppservicesWithWork: () => selectAppservicesWithWork.all().map((row) => row.appservice_id),
    selectFeedPosition: (feed: string) => selectFeedPosition.get(feed)?.position,
    upsertFeedPosition: (feed: string, position: number) => upsertFeedPosition.run(feed, position),
  };
}

export type AppserviceQueueStore = ReturnType<typeof createAppserviceQueueStore>;
