/**
 * Client transaction ids: (user, device, endpoint scope, txn id) → the event the request
 * created, so that a retry returns the same event, also after a restart.
 * https://spec.matrix.org/v1.19/client-server-api/#transaction-identifiers
 */
import type { Database } from "bun:sqlite";

export function createTransactionIdStore(db: Database) {
  const selectEventId = db.query<{ event_id: string }, [string, string, string, string]>(
    "SELECT event_id FROM transaction_ids WHERE user_id = ? AND device_id = ? AND scope = ? AND txn_id = ?",
  );
  const insertTransactionId = db.query<void, [string, string, string, string, string, number]>(
    "INSERT INTO transaction_ids (user_id, device_id, scope, txn_id, event_id, created_ts) VALUES (?, ?, ?, ?, ?, ?)",
  );
  const deleteOlderThan = db.query<void, [number]>("DELETE FROM transaction_ids WHERE created_ts < ?");
  return {
    selectEventId: (userId: string, deviceId: string, scope: string, txnId: string) =>
      selectEventId.get(userId, deviceId, scope, txnId)?.event_id,
    insertTransactionId: (
      userId: string,
      deviceId: string,
      scope: string,
      txnId: string,
      eventId: string,
      now: number,
    ) => insertTransactionId.run(userId, deviceId, scope, txnId, eventId, now),
    deleteOlderThan: (ts: number) => deleteOlderThan.run(ts).changes,
  };
}

export type TransactionIdStore = ReturnType<typeof createTransactionIdStore>;
