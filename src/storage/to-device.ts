import type { Database } from "bun:sqlite";

export interface ToDeviceRow {
  stream_pos: number;
  sender: string;
  type: string;
  content: string;
}

/** The to-device inbox (see 0007-e2ee.sql for why positions never repeat and rows stay contiguous). */
export function createToDeviceStore(db: Database) {
  const nextStreamPos = db.query<{ last_stream_pos: number }, [string, string]>(
    `INSERT INTO to_device_inboxes (user_id, device_id, last_stream_pos) VALUES (?, ?, 1)
     ON CONFLICT (user_id, device_id) DO UPDATE SET last_stream_pos = last_stream_pos + 1
     RETURNING last_stream_pos`,
  );
  const insertMessage = db.query<void, [string, string, number, string, string, string, number]>(
    "INSERT INTO to_device_messages (user_id, device_id, stream_pos, sender, type, content, created_ts) VALUES (?, ?, ?, ?, ?, ?, ?)",
  );
  const selectMessages = db.query<ToDeviceRow, [string, string, number, number]>(
    `SELECT stream_pos, sender, type, content FROM to_device_messages
     WHERE user_id = ? AND device_id = ? AND stream_pos > ? ORDER BY stream_pos LIMIT ?`,
  );
  const deleteMessagesUpTo = db.query<void, [string, string, number]>(
    "DELETE FROM to_device_messages WHERE user_id = ? AND device_id = ? AND stream_pos <= ?",
  );
  const deleteMessagesOfDevice = db.query<void, [string, string]>(
    "DELETE FROM to_device_messages WHERE user_id = ? AND device_id = ?",
  );
  const deleteMessagesOlderThan = db.query<void, [number, number]>(
    "DELETE FROM to_device_messages WHERE id IN (SELECT id FROM to_device_messages WHERE created_ts < ? LIMIT ?)",
  );
  const selectTransaction = db.query<{ found: number }, [string, string, string, string]>(
    "SELECT 1 AS found FROM to_device_transactions WHERE user_id = ? AND device_id = ? AND event_type = ? AND txn_id = ?",
  );
  const insertTransaction = db.query<void, [string, string, string, string, number]>(
    "INSERT INTO to_device_transactions (user_id, device_id, event_type, txn_id, created_ts) VALUES (?, ?, ?, ?, ?)",
  );
  const deleteTransactionsOfDevice = db.query<void, [string, string]>(
    "DELETE FROM to_device_transactions WHERE user_id = ? AND device_id = ?",
  );
  const deleteTransactionsOlderThan = db.query<void, [number]>(
    "DELETE FROM to_device_transactions WHERE created_ts < ?",
  );
  const selectInboxPosition = db.query<{ last_stream_pos: number }, [string, string]>(
    "SELECT last_stream_pos FROM to_device_inboxes WHERE user_id = ? AND device_id = ?",
  );
  const selectDevicesWithMessages = db.query<{ user_id: string; device_id: string }, []>(
    "SELECT DISTINCT user_id, device_id FROM to_device_messages",
  );
  const countMessages = db.query<{ count: number }, [string, string]>(
    "SELECT count(*) AS count FROM to_device_messages WHERE user_id = ? AND device_id = ?",
  );

  return {
    /** Hands out the next stream position of a device's inbox. */
    nextStreamPos: (userId: string, deviceId: string) => nextStreamPos.get(userId, deviceId)!.last_stream_pos,
    insertMessage: (
      userId: string,
      deviceId: string,
      streamPos: number,
      sender: string,
      type: string,
      content: string,
      now: number,
    ) => insertMessage.run(userId, deviceId, streamPos, sender, type, content, now),
    selectMessages: (userId: string, deviceId: string, sinceExclusive: number, limit: number) =>
      selectMessages.all(userId, deviceId, sinceExclusive, limit),
    deleteMessagesUpTo: (userId: string, deviceId: string, upToInclusive: number) =>
      deleteMessagesUpTo.run(userId, deviceId, upToInclusive).changes,
    deleteMessagesOfDevice: (userId: string, deviceId: string) => deleteMessagesOfDevice.run(userId, deviceId).changes,
    /** Deletes at most `limit` messages created before `cutoff`; returns how many. */
    deleteMessagesOlderThan: (cutoff: number, limit: number) => deleteMessagesOlderThan.run(cutoff, limit).changes,
    countMessages: (userId: string, deviceId: string) => countMessages.get(userId, deviceId)!.count,
    /** The last position handed out in a device's inbox (0 before its first message). */
    selectInboxPosition: (userId: string, deviceId: string) =>
      selectInboxPosition.get(userId, deviceId)?.last_stream_pos ?? 0,
    /** Every device with messages waiting (appservices collect their users' messages at start). */
    selectDevicesWithMessages: () => selectDevicesWithMessages.all(),
    hasTransaction: (userId: string, deviceId: string, eventType: string, txnId: string) =>
      selectTransaction.get(userId, deviceId, eventType, txnId) !== null,
    insertTransaction: (userId: string, deviceId: string, eventType: string, txnId: string, now: number) =>
      insertTransaction.run(userId, deviceId, eventType, txnId, now),
    deleteTransactionsOfDevice: (userId: string, deviceId: string) => deleteTransactionsOfDevice.run(userId, deviceId),
    deleteTransactionsOlderThan: (cutoff: number) => deleteTransactionsOlderThan.run(cutoff).changes,
  };
}

export type ToDeviceStore = ReturnType<typeof createToDeviceStore>;
