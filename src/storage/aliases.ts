/** Room aliases on this server: #alias:server → room id. */
import type { Database } from "bun:sqlite";

export interface AliasRow {
  alias: string;
  room_id: string;
  creator: string;
  created_ts: number;
}

export function createAliasStore(db: Database) {
  const selectRoomIdByAlias = db.query<{ room_id: string }, [string]>(
    "SELECT room_id FROM room_aliases WHERE alias = ?",
  );
  const selectAliasesByRoom = db.query<AliasRow, [string]>(
    "SELECT alias, room_id, creator, created_ts FROM room_aliases WHERE room_id = ? ORDER BY alias",
  );
  const selectAlias = db.query<AliasRow, [string]>(
    "SELECT alias, room_id, creator, created_ts FROM room_aliases WHERE alias = ?",
  );
  const insertAlias = db.query<void, [string, string, string, number]>(
    "INSERT INTO room_aliases (alias, room_id, creator, created_ts) VALUES (?, ?, ?, ?) ON CONFLICT (alias) DO NOTHING",
  );
  const deleteAlias = db.query<void, [string]>("DELETE FROM room_aliases WHERE alias = ?");
  const updateRoomOfAliases = db.query<void, [string, string]>("UPDATE room_aliases SET room_id = ? WHERE room_id = ?");
  return {
    selectRoomIdByAlias: (alias: string) => selectRoomIdByAlias.get(alias)?.room_id,
    selectAliasesByRoom: (roomId: string) => selectAliasesByRoom.all(roomId),
    selectAlias: (alias: string) => selectAlias.get(alias) ?? undefined,
    /** False when the alias is taken. */
    insertAlias: (alias: string, roomId: string, creator: string, now: number) =>
      insertAlias.run(alias, roomId, creator, now).changes > 0,
    deleteAlias: (alias: string) => deleteAlias.run(alias).changes > 0,
    /** A room upgrade: every alias of the old room points to its replacement. */
    moveAliases: (oldRoomId: string, newRoomId: string) => updateRoomOfAliases.run(newRoomId, oldRoomId),
  };
}

export type AliasStore = ReturnType<typeof createAliasStore>;
