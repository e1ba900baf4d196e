/** Read receipts: the latest per (room, type, user, thread), each at its own stream position. */
import type { Database } from "bun:sqlite";

export interface ReceiptRow {
  stream_pos: number;
  room_id: string;
  receipt_type: string;
  user_id: string;
  /** '' for an unthreaded receipt. */
  thread_id: string;
  event_id: string;
  event_stream: number;
  ts: number;
}

export type NewReceipt = Omit<ReceiptRow, "stream_pos">;

const COLUMNS = "stream_pos, room_id, receipt_type, user_id, thread_id, event_id, event_stream, ts";

export function createReceiptStore(db: Database) {
  const upsertReceipt = db.query<{ stream_pos: number }, [string, string, string, string, string, number, number]>(
    `INSERT OR REPLACE INTO receipts (room_id, receipt_type, user_id, thread_id, event_id, event_stream, ts)
     VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING stream_pos`,
  );
  const selectReceipt = db.query<ReceiptRow, [string, string, string, string]>(
    `SELECT ${COLUMNS} FROM receipts WHERE room_id = ? AND receipt_type = ? AND user_id = ? AND thread_id = ?`,
  );
  const selectReceiptsBetween = db.query<ReceiptRow, [number, number]>(
    `SELECT ${COLUMNS} FROM receipts WHERE stream_pos > ? AND stream_pos <= ? ORDER BY stream_pos`,
  );
  const selectRoomReceiptsBetween = db.query<ReceiptRow, [string, number, number]>(
    `SELECT ${COLUMNS} FROM receipts WHERE room_id = ? AND stream_pos > ? AND stream_pos <= ? ORDER BY stream_pos`,
  );
  const selectReceiptsOfRooms = db.query<ReceiptRow, [string, number]>(
    `SELECT ${COLUMNS} FROM receipts WHERE room_id IN (SELECT value FROM json_each(?)) AND stream_pos <= ? ORDER BY stream_pos`,
  );
  const selectMaxPosition = db.query<{ position: number }, []>(
    "SELECT COALESCE(MAX(stream_pos), 0) AS position FROM receipts",
  );

  return {
    /** Stores the receipt, replacing the one of the same key, and returns its new stream position. */
    upsertReceipt: (r: NewReceipt) =>
      upsertReceipt.get(r.room_id, r.receipt_type, r.user_id, r.thread_id, r.event_id, r.event_stream, r.ts)!
        .stream_pos,
    selectReceipt: (roomId: string, receiptType: string, userId: string, threadId: string) =>
      selectReceipt.get(roomId, receiptType, userId, threadId) ?? undefined,
    /** Receipts of every room written in (sinceExclusive, upToInclusive], oldest first. */
    selectReceiptsBetween: (sinceExclusive: number, upToInclusive: number) =>
      selectReceiptsBetween.all(sinceExclusive, upToInclusive),
    selectRoomReceiptsBetween: (roomId: string, sinceExclusive: number, upToInclusive: number) =>
      selectRoomReceiptsBetween.all(roomId, sinceExclusive, upToInclusive),
    /** Every receipt of these rooms up to a position (an initial sync). */
    selectReceiptsOfRooms: (roomIds: readonly string[], upToInclusive: number) =>
      roomIds.length === 0 ? [] : selectReceiptsOfRooms.all(JSON.stringify(roomIds), upToInclusive),
    selectMaxPosition: () => selectMaxPosition.get()!.position,
  };
}

export type ReceiptStore = ReturnType<typeof createReceiptStore>;
