/** Rooms (version, creator, current state group) and their forward extremities. The published directory is storage/directory.ts. */
import type { Database } from "bun:sqlite";

export interface RoomRow {
  room_id: string;
  room_version: string;
  creator: string;
  current_state_group: number | null;
  created_ts: number;
}

export interface ExtremityRow {
  event_id: string;
  depth: number;
}

export function createRoomStore(db: Database) {
  const selectRoom = db.query<RoomRow, [string]>(
    "SELECT room_id, room_version, creator, current_state_group, created_ts FROM rooms WHERE room_id = ?",
  );
  const insertRoom = db.query<void, [string, string, string, number]>(
    "INSERT INTO rooms (room_id, room_version, creator, created_ts) VALUES (?, ?, ?, ?)",
  );
  const updateCurrentStateGroup = db.query<void, [number, string]>(
    "UPDATE rooms SET current_state_group = ? WHERE room_id = ?",
  );
  const selectExtremities = db.query<ExtremityRow, [string]>(
    "SELECT event_id, depth FROM forward_extremities WHERE room_id = ? ORDER BY event_id",
  );
  const deleteExtremity = db.query<void, [string, string]>(
    "DELETE FROM forward_extremities WHERE room_id = ? AND event_id = ?",
  );
  const insertExtremity = db.query<void, [string, string, number]>(
    "INSERT INTO forward_extremities (room_id, event_id, depth) VALUES (?, ?, ?)",
  );
  return {
    selectRoom: (roomId: string) => selectRoom.get(roomId) ?? undefined,
    insertRoom: (room: { room_id: string; room_version: string; creator: string; created_ts: number }) =>
      insertRoom.run(room.room_id, room.room_version, room.creator, room.created_ts),
    updateCurrentStateGroup: (roomId: string, group: number) => updateCurrentStateGroup.run(group, roomId),
    selectExtremities: (roomId: string) => selectExtremities.all(roomId),
    /** The new event succeeds all of `replaced`, which stop being extremities. */
    replaceExtremities(roomId: string, replaced: readonly string[], eventId: string, depth: number): void {
      for (const old of replaced) deleteExtremity.run(roomId, old);
      insertExtremity.run(roomId, eventId, depth);
    },
  };
}

export type RoomStore = ReturnType<typeof createRoomStore>;
