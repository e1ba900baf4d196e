/**
 * The published room directory: which rooms are listed, in this server's own list
 * (instance_id '') or an application service's network list, and what publicRooms reads
 * about them in bulk (joined counts, and the state events that describe a room).
 */
import type { Database } from "bun:sqlite";

/** This server's own list; the other lists are appservices' third-party network instances. */
export const LOCAL_LIST = "";

export interface ListedRoomRow {
  room_id: string;
  num_joined_members: number;
}

export interface ListedStateRow {
  room_id: string;
  type: string;
  json: string;
}

// `?1 IS NULL` selects every list (include_all_networks).
const LISTED = "SELECT DISTINCT room_id FROM room_directory WHERE ?1 IS NULL OR instance_id = ?1";

export function createDirectoryStore(db: Database) {
  const insertListing = db.query<void, [string, string, number]>(
    "INSERT INTO room_directory (instance_id, room_id, published_ts) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
  );
  const deleteListing = db.query<void, [string, string]>(
    "DELETE FROM room_directory WHERE instance_id = ? AND room_id = ?",
  );
  const selectListing = db.query<{ room_id: string }, [string, string]>(
    "SELECT room_id FROM room_directory WHERE instance_id = ? AND room_id = ?",
  );
  const updateRoomOfListings = db.query<void, [string, string]>(
    "UPDATE OR IGNORE room_directory SET room_id = ? WHERE room_id = ?",
  );
  const deleteListingsOfRoom = db.query<void, [string]>("DELETE FROM room_directory WHERE room_id = ?");
  const selectListedRooms = db.query<ListedRoomRow, [string | null]>(
    `SELECT d.room_id, (SELECT COUNT(*) FROM memberships m WHERE m.room_id = d.room_id AND m.membership = 'join') AS num_joined_members
     FROM (${LISTED}) d`,
  );
  // The current state events of the given types (state key "") of every listed room, in one pass.
  const selectListedState = db.query<ListedStateRow, [string | null, string]>(
    `SELECT cs.room_id, cs.type, e.json FROM current_state cs JOIN events e ON e.event_id = cs.event_id
     WHERE cs.room_id IN (${LISTED}) AND cs.type IN (SELECT value FROM json_each(?2)) AND cs.state_key = ''`,
  );
  return {
    /** False when the room was already listed there. */
    insertListing: (roomId: string, instanceId: string, now: number) =>
      insertListing.run(instanceId, roomId, now).changes > 0,
    deleteListing: (roomId: string, instanceId: string) => deleteListing.run(instanceId, roomId).changes > 0,
    isListed: (roomId: string, instanceId: string) => selectListing.get(instanceId, roomId) !== null,
    /** A room upgrade: the replacement takes over every listing of the old room. */
    moveListings(oldRoomId: string, newRoomId: string): void {
      updateRoomOfListings.run(newRoomId, oldRoomId);
      deleteListingsOfRoom.run(oldRoomId);
    },
    /** Listed rooms with their joined member counts; `instanceId` null for every list. */
    selectListedRooms: (instanceId: string | null) => selectListedRooms.all(instanceId),
    selectListedState: (instanceId: string | null, types: readonly string[]) =>
      selectListedState.all(instanceId, JSON.stringify(types)),
  };
}

export type DirectoryStore = ReturnType<typeof createDirectoryStore>;
