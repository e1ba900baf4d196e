import type { Database } from "bun:sqlite";

/** room_id is '' for global account data. */
export interface AccountDataRow {
  stream_position: number;
  room_id: string;
  type: string;
  /** JSON text. */
  content: string;
}

export const GLOBAL_ROOM = "";

export function createAccountDataStore(db: Database) {
  const columns = "stream_position, room_id, type, content";
  const selectContent = db.query<{ content: string }, [string, string, string]>(
    "SELECT content FROM account_data WHERE user_id = ? AND room_id = ? AND type = ?",
  );
  // REPLACE deletes the old row and inserts a new one, which takes the next AUTOINCREMENT position.
  const upsertAccountData = db.query<{ stream_position: number }, [string, string, string, string]>(
    "INSERT OR REPLACE INTO account_data (user_id, room_id, type, content) VALUES (?, ?, ?, ?) RETURNING stream_position",
  );
  const selectChangedSince = db.query<AccountDataRow, [string, number]>(
    `SELECT ${columns} FROM account_data WHERE user_id = ? AND stream_position > ? ORDER BY stream_position`,
  );
  const selectMaxPosition = db.query<{ position: number }, []>(
    "SELECT COALESCE(MAX(stream_position), 0) AS position FROM account_data",
  );
  const deleteByUser = db.query<void, [string]>("DELETE FROM account_data WHERE user_id = ?");
  return {
    selectContent: (userId: string, roomId: string, type: string) => selectContent.get(userId, roomId, type)?.content,
    /** Stores the content and returns its new stream position. */
    upsertAccountData: (userId: string, roomId: string, type: string, content: string) =>
      upsertAccountData.get(userId, roomId, type, content)!.stream_position,
    /** Global and room account data written after `position`, oldest first (for /sync). */
    selectChangedSince: (userId: string, position: number) => selectChangedSince.all(userId, position),
    selectMaxPosition: () => selectMaxPosition.get()!.position,
    deleteByUser: (userId: string) => deleteByUser.run(userId),
  };
}

export type AccountDataStore = ReturnType<typeof createAccountDataStore>;
