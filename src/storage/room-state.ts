/**
 * Room state: the current state of each room, and the state after every event as state
 * groups. A new state event adds a group holding only its own entry over the previous
 * group; every SNAPSHOT_INTERVAL deltas a full snapshot is written instead, so reading a
 * group walks at most that many groups. Groups are immutable once written.
 */
import type { Database } from "bun:sqlite";
import type { EventRow } from "./events.ts";

/** Deltas between snapshots: reads walk at most this many groups; a snapshot costs one row per state entry. */
export const SNAPSHOT_INTERVAL = 64;

export interface StateEntry {
  type: string;
  state_key: string;
  event_id: string;
}

const CHAIN = `WITH RECURSIVE chain(g, d) AS (
  SELECT ?1, 0
  UNION ALL
  SELECT sg.prev_group, chain.d + 1 FROM state_groups sg JOIN chain ON sg.state_group = chain.g WHERE sg.prev_group IS NOT NULL
)`;

export function createRoomStateStore(db: Database) {
  const selectGroup = db.query<{ room_id: string; prev_group: number | null; chain_length: number }, [number]>(
    "SELECT room_id, prev_group, chain_length FROM state_groups WHERE state_group = ?",
  );
  const insertGroup = db.query<{ state_group: number }, [string, number | null, number]>(
    "INSERT INTO state_groups (room_id, prev_group, chain_length) VALUES (?, ?, ?) RETURNING state_group",
  );
  const insertEntry = db.query<void, [number, string, string, string]>(
    "INSERT INTO state_group_entries (state_group, type, state_key, event_id) VALUES (?, ?, ?, ?)",
  );
  // SQLite takes the bare column event_id from the row that gives MIN(d): the nearest group wins.
  const selectGroupState = db.query<StateEntry & { d: number }, [number]>(
    `${CHAIN} SELECT type, state_key, event_id, MIN(d) AS d FROM state_group_entries JOIN chain ON state_group = g GROUP BY type, state_key`,
  );
  const selectGroupStateOfType = db.query<StateEntry & { d: number }, [number, string]>(
    `${CHAIN} SELECT type, state_key, event_id, MIN(d) AS d FROM state_group_entries JOIN chain ON state_group = g
     WHERE type = ?2 GROUP BY state_key`,
  );
  const selectGroupEntry = db.query<{ event_id: string }, [number, string, string]>(
    `${CHAIN} SELECT event_id FROM state_group_entries JOIN chain ON state_group = g
     WHERE type = ?2 AND state_key = ?3 ORDER BY d LIMIT 1`,
  );
  const selectCurrentEntry = db.query<{ event_id: string }, [string, string, string]>(
    "SELECT event_id FROM current_state WHERE room_id = ? AND type = ? AND state_key = ?",
  );
  const selectCurrentEvent = db.query<{ event_id: string; json: string }, [string, string, string]>(
    `SELECT e.event_id, e.json FROM current_state cs JOIN events e ON e.event_id = cs.event_id
     WHERE cs.room_id = ? AND cs.type = ? AND cs.state_key = ?`,
  );
  const selectCurrentEventsOfTypes = db.query<{ type: string; json: string }, [string, string]>(
    `SELECT cs.type, e.json FROM current_state cs JOIN events e ON e.event_id = cs.event_id
     WHERE cs.room_id = ?1 AND cs.type IN (SELECT value FROM json_each(?2)) AND cs.state_key = ''`,
  );
  const selectCurrentState = db.query<StateEntry, [string]>(
    "SELECT type, state_key, event_id FROM current_state WHERE room_id = ?",
  );
  const selectCurrentStateOfType = db.query<StateEntry, [string, string]>(
    "SELECT type, state_key, event_id FROM current_state WHERE room_id = ? AND type = ?",
  );
  const upsertCurrent = db.query<void, [string, string, string, string]>(
    `INSERT INTO current_state (room_id, type, state_key, event_id) VALUES (?, ?, ?, ?)
     ON CONFLICT (room_id, type, state_key) DO UPDATE SET event_id = excluded.event_id`,
  );

  const EVENT_COLUMNS =
    "e.stream_ordering, e.event_id, e.room_id, e.type, e.state_key, e.sender, e.membership, e.depth, e.origin_server_ts, e.state_group, e.replaces_state, e.redacted_by, e.txn_device_id, e.txn_id, e.json";
  const selectCurrentStateEvents = db.query<EventRow, [string]>(
    `SELECT ${EVENT_COLUMNS} FROM current_state cs JOIN events e ON e.event_id = cs.event_id WHERE cs.room_id = ? ORDER BY e.stream_ordering`,
  );
  const selectCurrentStateEventsExceptType = db.query<EventRow, [string, string]>(
    `SELECT ${EVENT_COLUMNS} FROM current_state cs JOIN events e ON e.event_id = cs.event_id WHERE cs.room_id = ? AND cs.type != ?
     ORDER BY e.stream_ordering`,
  );

  function selectStateAtGroup(group: number): StateEntry[] {
    return selectGroupState.all(group).map(({ type, state_key, event_id }) => ({ type, state_key, event_id }));
  }

  return {
    selectStateAtGroup,
    selectStateOfTypeAtGroup: (group: number, type: string): StateEntry[] =>
      selectGroupStateOfType.all(group, type).map(({ state_key, event_id }) => ({ type, state_key, event_id })),
    selectEntryAtGroup: (group: number, type: string, stateKey: string) =>
      selectGroupEntry.get(group, type, stateKey)?.event_id,

    /**
     * Writes the group for `previous` plus the given entries: a delta, or a snapshot when the
     * chain would grow past SNAPSHOT_INTERVAL (or there is no previous group).
     */
    insertStateGroup(roomId: string, previous: number | null, entries: readonly StateEntry[]): number {
      const prev = previous === null ? undefined : selectGroup.get(previous);
      if (previous === null || !prev || prev.chain_length + 1 >= SNAPSHOT_INTERVAL) {
        const full = new Map<string, StateEntry>();
        if (previous !== null)
          for (const entry of selectStateAtGroup(previous)) full.set(`${entry.type}\u0000${entry.state_key}`, entry);
        for (const entry of entries) full.set(`${entry.type}\u0000${entry.state_key}`, entry);
        const group = insertGroup.get(roomId, null, 0)!.state_group;
        for (const entry of full.values()) insertEntry.run(group, entry.type, entry.state_key, entry.event_id);
        return group;
      }
      const group = insertGroup.get(roomId, previous, prev.chain_length + 1)!.state_group;
      for (const entry of entries) insertEntry.run(group, entry.type, entry.state_key, entry.event_id);
      return group;
    },

    selectCurrentEntry: (roomId: string, type: string, stateKey: string) =>
      selectCurrentEntry.get(roomId, type, stateKey)?.event_id,
    /** The current state event of (type, state_key) with its JSON, in one lookup. */
    selectCurrentEvent: (roomId: string, type: string, stateKey: string) =>
      selectCurrentEvent.get(roomId, type, stateKey) ?? undefined,
    /** The current state events of these types with an empty state key, with their JSON, in one lookup. */
    selectCurrentEventsOfTypes: (roomId: string, types: readonly string[]) =>
      selectCurrentEventsOfTypes.all(roomId, JSON.stringify(types)),
    selectCurrentState: (roomId: string) => selectCurrentState.all(roomId),
    selectCurrentStateOfType: (roomId: string, type: string) => selectCurrentStateOfType.all(roomId, type),
    upsertCurrent: (roomId: string, entry: StateEntry) =>
      upsertCurrent.run(roomId, entry.type, entry.state_key, entry.event_id),
    /** The room's current state as event rows, in one query (sync); `exceptType` leaves one type out (lazy-loaded members). */
    selectCurrentStateEvents: (roomId: string, exceptType?: string) =>
      exceptType === undefined
        ? selectCurrentStateEvents.all(roomId)
        : selectCurrentStateEventsExceptType.all(roomId, exceptType),
  };
}

export type RoomStateStore = ReturnType<typeof createRoomStateStore>;
