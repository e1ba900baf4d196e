/**
 * Delayed events (MSC4140): scheduled rows (finalised_ts NULL) and finalised ones kept for
 * lookups. Every statement is prepared once; the hot ones (restart, the scheduler's next due
 * time) are single index lookups.
 * https://github.com/matrix-org/matrix-spec-proposals/pull/4140
 */
import type { Database } from "bun:sqlite";

export type DelayedEventOutcome = "send" | "cancel";
export type DelayedEventReason = "action" | "delay" | "error";

export interface DelayedEventRow {
  delay_id: string;
  user_id: string;
  device_id: string;
  room_id: string;
  type: string;
  state_key: string | null;
  /** JSON object. */
  content: string;
  delay_ms: number;
  send_ts: number;
  txn_scope: string | null;
  txn_id: string | null;
  created_ts: number;
  finalised_ts: number | null;
  outcome: DelayedEventOutcome | null;
  reason: DelayedEventReason | null;
  /** JSON standard error response. */
  error: string | null;
  event_id: string | null;
}

export type NewDelayedEvent = Omit<DelayedEventRow, "finalised_ts" | "outcome" | "reason" | "error" | "event_id">;

export interface Finalisation {
  outcome: DelayedEventOutcome;
  reason: DelayedEventReason;
  error?: string | null;
  event_id?: string | null;
}

const COLUMNS =
  "delay_id, user_id, device_id, room_id, type, state_key, content, delay_ms, send_ts, txn_scope, txn_id, created_ts, finalised_ts, outcome, reason, error, event_id";
const SCHEDULED = "finalised_ts IS NULL";

export function createDelayedEventStore(db: Database) {
  const insertDelayedEvent = db.query<
    void,
    [
      string,
      string,
      string,
      string,
      string,
      string | null,
      string,
      number,
      number,
      string | null,
      string | null,
      number,
    ]
  >(
    `INSERT INTO delayed_events (delay_id, user_id, device_id, room_id, type, state_key, content, delay_ms, send_ts, txn_scope, txn_id, created_ts)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const selectByTxn = db.query<{ delay_id: string }, [string, string, string, string]>(
    "SELECT delay_id FROM delayed_events WHERE user_id = ? AND device_id = ? AND txn_scope = ? AND txn_id = ?",
  );
  const selectDelayedEvent = db.query<DelayedEventRow, [string]>(
    `SELECT ${COLUMNS} FROM delayed_events WHERE delay_id = ?`,
  );
  const countScheduledByUser = db.query<{ n: number }, [string]>(
    `SELECT COUNT(*) AS n FROM delayed_events WHERE user_id = ? AND ${SCHEDULED}`,
  );
  const selectScheduledSendTimesByUser = db.query<{ send_ts: number }, [string, number]>(
    `SELECT send_ts FROM delayed_events WHERE user_id = ? AND ${SCHEDULED} ORDER BY send_ts LIMIT ?`,
  );
  const restart = db.query<{ send_ts: number }, [number, string]>(
    `UPDATE delayed_events SET send_ts = ? + delay_ms WHERE delay_id = ? AND ${SCHEDULED} RETURNING send_ts`,
  );
  const selectDue = db.query<DelayedEventRow, [number, number]>(
    `SELECT ${COLUMNS} FROM delayed_events WHERE ${SCHEDULED} AND send_ts <= ? ORDER BY send_ts, delay_id LIMIT ?`,
  );
  const selectNextSendTs = db.query<{ send_ts: number | null }, []>(
    `SELECT MIN(send_ts) AS send_ts FROM delayed_events WHERE ${SCHEDULED}`,
  );
  const finalise = db.query<void, [number, string, string, string | null, string | null, string]>(
    `UPDATE delayed_events SET finalised_ts = ?, outcome = ?, reason = ?, error = ?, event_id = ? WHERE delay_id = ? AND ${SCHEDULED}`,
  );
  const cancelStateOfOthers = db.query<void, [number, string, string, string, string, string]>(
    `UPDATE delayed_events SET finalised_ts = ?, outcome = 'cancel', reason = 'error', error = ?
     WHERE room_id = ? AND type = ? AND state_key = ? AND user_id <> ? AND ${SCHEDULED} AND state_key IS NOT NULL`,
  );
  const cancelAllOfUser = db.query<void, [number, string, string]>(
    `UPDATE delayed_events SET finalised_ts = ?, outcome = 'cancel', reason = 'error', error = ? WHERE user_id = ? AND ${SCHEDULED}`,
  );
  const selectScheduledByUser = db.query<DelayedEventRow, [string]>(
    `SELECT ${COLUMNS} FROM delayed_events WHERE user_id = ? AND ${SCHEDULED} ORDER BY send_ts`,
  );
  const selectFinalisedByUser = db.query<DelayedEventRow, [string, number]>(
    `SELECT ${COLUMNS} FROM delayed_events WHERE user_id = ? AND finalised_ts IS NOT NULL ORDER BY finalised_ts DESC LIMIT ?`,
  );
  const deleteFinalisedBefore = db.query<void, [number]>(
    "DELETE FROM delayed_events WHERE finalised_ts IS NOT NULL AND finalised_ts < ?",
  );
  const deleteFinalisedBeyond = db.query<void, [number]>(
    `DELETE FROM delayed_events WHERE delay_id IN (
       SELECT delay_id FROM (
         SELECT delay_id, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY finalised_ts DESC) AS position
         FROM delayed_events WHERE finalised_ts IS NOT NULL
       ) WHERE position > ?
     )`,
  );

  return {
    insertDelayedEvent: (e: NewDelayedEvent) =>
      insertDelayedEvent.run(
        e.delay_id,
        e.user_id,
        e.device_id,
        e.room_id,
        e.type,
        e.state_key,
        e.content,
        e.delay_ms,
        e.send_ts,
        e.txn_scope,
        e.txn_id,
        e.created_ts,
      ),
    selectDelayIdByTxn: (userId: string, deviceId: string, scope: string, txnId: string) =>
      selectByTxn.get(userId, deviceId, scope, txnId)?.delay_id,
    selectDelayedEvent: (delayId: string) => selectDelayedEvent.get(delayId) ?? undefined,
    countScheduledByUser: (userId: string) => countScheduledByUser.get(userId)?.n ?? 0,
    /** The due times of the user's `limit` next scheduled events, soonest first. */
    selectScheduledSendTimesByUser: (userId: string, limit: number) =>
      selectScheduledSendTimesByUser.all(userId, limit).map((row) => row.send_ts),
    /** Moves a scheduled event's due time to now + its delay; its new due time, or undefined when none is scheduled. */
    restartDelayedEvent: (delayId: string, now: number) => restart.get(now, delayId)?.send_ts,
    /** Scheduled events due at `now`, in the order they fell due. */
    selectDue: (now: number, limit: number) => selectDue.all(now, limit),
    /** The earliest due time of any scheduled event. */
    selectNextSendTs: () => selectNextSendTs.get()?.send_ts ?? undefined,
    /** Finalises a scheduled event; false when it was not scheduled (any more). */
    finalise: (delayId: string, now: number, f: Finalisation) =>
      finalise.run(now, f.outcome, f.reason, f.error ?? null, f.event_id ?? null, delayId).changes > 0,
    /** Cancels (with `error`) the scheduled state events for this piece of state of every user but `userId`. */
    cancelStateEventsOfOthers: (
      roomId: string,
      type: string,
      stateKey: string,
      userId: string,
      now: number,
      error: string,
    ) => cancelStateOfOthers.run(now, error, roomId, type, stateKey, userId).changes,
    cancelAllOfUser: (userId: string, now: number, error: string) => cancelAllOfUser.run(now, error, userId).changes,
    selectScheduledByUser: (userId: string) => selectScheduledByUser.all(userId),
    /** The user's finalised events, most recently finalised first. */
    selectFinalisedByUser: (userId: string, limit: number) => selectFinalisedByUser.all(userId, limit),
    /** Forgets finalised events: those finalised before `ts`, and each user's beyond the newest `perUser`. */
    pruneFinalised: (ts: number, perUser: number) =>
      deleteFinalisedBefore.run(ts).changes + deleteFinalisedBeyond.run(perUser).changes,
  };
}

export type DelayedEventStore = ReturnType<typeof createDelayedEventStore>;
