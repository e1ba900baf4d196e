/**
 * Room events, stored once as the PDU's JSON text with their stream and topological
 * positions. Their relations (m.relates_to) are in storage/relations.ts.
 */
import type { Database } from "bun:sqlite";

export interface EventRow {
  stream_ordering: number;
  event_id: string;
  room_id: string;
  type: string;
  state_key: string | null;
  sender: string;
  membership: string | null;
  depth: number;
  origin_server_ts: number;
  state_group: number | null;
  replaces_state: string | null;
  redacted_by: string | null;
  txn_device_id: string | null;
  txn_id: string | null;
  json: string;
  /** Which aggregated relations the event has children of (bits of CHILD_REL_TYPE_BITS, storage/relations.ts). */
  child_rel_types: number;
}

export interface NewEvent {
  event_id: string;
  room_id: string;
  type: string;
  state_key: string | null;
  sender: string;
  membership: string | null;
  depth: number;
  origin_server_ts: number;
  state_group: number | null;
  replaces_state: string | null;
  /** The sending device's transaction, when a client request with a txn id made the event. */
  txn: { device_id: string; txn_id: string } | undefined;
  json: string;
}

/** A member event, reduced to who and what (sync's device-list changes). */
export interface MemberChangeRow {
  room_id: string;
  state_key: string;
  membership: string | null;
  stream_ordering: number;
}

/** A position in a room's topological order: after the event at (depth, stream_ordering). */
export interface TopologicalPosition {
  depth: number;
  stream: number;
}

const EVENT_ROW_KEYS = [
  "stream_ordering",
  "event_id",
  "room_id",
  "type",
  "state_key",
  "sender",
  "membership",
  "depth",
  "origin_server_ts",
  "state_group",
  "replaces_state",
  "redacted_by",
  "txn_device_id",
  "txn_id",
  "json",
  "child_rel_types",
] as const satisfies readonly (keyof EventRow)[];
const COLUMNS = EVENT_ROW_KEYS.join(", ");
/** The columns of an EventRow, qualified by a table alias (for joins in other stores). */
export const eventColumns = (alias: string) => EVENT_ROW_KEYS.map((key) => `${alias}.${key}`).join(", ");
/** Events that belong in a timeline: accepted and placed in the DAG. */
const IN_TIMELINE = "rejected IS NULL AND outlier = 0";

export function createEventStore(db: Database) {
  const insertEvent = db.query<
    void,
    [
      string,
      string,
      string,
      string | null,
      string,
      string | null,
      number,
      number,
      number | null,
      string | null,
      string | null,
      string | null,
      string,
    ]
  >(
    `INSERT INTO events (event_id, room_id, type, state_key, sender, membership, depth, origin_server_ts, state_group, replaces_state, txn_device_id, txn_id, json)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const selectEvent = db.query<EventRow, [string]>(`SELECT ${COLUMNS} FROM events WHERE event_id = ?`);
  const selectEventsByIds = db.query<EventRow, [string]>(
    `SELECT ${COLUMNS} FROM events WHERE event_id IN (SELECT value FROM json_each(?)) ORDER BY stream_ordering`,
  );
  const selectEventsByStreams = db.query<EventRow, [string]>(
    `SELECT ${COLUMNS} FROM events WHERE stream_ordering IN (SELECT value FROM json_each(?)) ORDER BY stream_ordering`,
  );
  const selectJson = db.query<{ json: string }, [string]>("SELECT json FROM events WHERE event_id = ?");
  const selectRoomId = db.query<{ room_id: string }, [string]>("SELECT room_id FROM events WHERE event_id = ?");
  const selectBackwards = db.query<EventRow, [string, number, number, number, number, number]>(
    `SELECT ${COLUMNS} FROM events WHERE room_id = ? AND (depth, stream_ordering) <= (?, ?) AND (depth, stream_ordering) > (?, ?)
     AND ${IN_TIMELINE} ORDER BY depth DESC, stream_ordering DESC LIMIT ?`,
  );
  const selectForwards = db.query<EventRow, [string, number, number, number, number, number]>(
    `SELECT ${COLUMNS} FROM events WHERE room_id = ? AND (depth, stream_ordering) > (?, ?) AND (depth, stream_ordering) <= (?, ?)
     AND ${IN_TIMELINE} ORDER BY depth, stream_ordering LIMIT ?`,
  );
  const selectPositionAtStream = db.query<{ depth: number; stream_ordering: number }, [string, number]>(
    `SELECT depth, stream_ordering FROM events WHERE room_id = ? AND stream_ordering <= ? AND ${IN_TIMELINE}
     ORDER BY stream_ordering DESC LIMIT 1`,
  );
  const selectLastInTopology = db.query<EventRow, [string, number, number]>(
    `SELECT ${COLUMNS} FROM events WHERE room_id = ? AND (depth, stream_ordering) <= (?, ?) AND ${IN_TIMELINE}
     ORDER BY depth DESC, stream_ordering DESC LIMIT 1`,
  );
  const selectAtOrAfterTs = db.query<EventRow, [string, number, number]>(
    `SELECT ${COLUMNS} FROM events WHERE room_id = ? AND origin_server_ts >= ? AND ${IN_TIMELINE}
     ORDER BY origin_server_ts, stream_ordering LIMIT ?`,
  );
  const selectAtOrBeforeTs = db.query<EventRow, [string, number, number]>(
    `SELECT ${COLUMNS} FROM events WHERE room_id = ? AND origin_server_ts <= ? AND ${IN_TIMELINE}
     ORDER BY origin_server_ts DESC, stream_ordering DESC LIMIT ?`,
  );
  const selectLatestMembershipStream = db.query<{ stream: number | null }, [string, string, string]>(
    `SELECT MAX(stream_ordering) AS stream FROM events
     WHERE room_id = ? AND type = 'm.room.member' AND state_key = ? AND membership = ? AND ${IN_TIMELINE}`,
  );
  const selectRoomEvents = db.query<EventRow, [string]>(
    `SELECT ${COLUMNS} FROM events WHERE room_id = ? AND ${IN_TIMELINE} ORDER BY depth, stream_ordering`,
  );
  const selectMaxStream = db.query<{ stream: number | null }, []>("SELECT MAX(stream_ordering) AS stream FROM events");
  const markChildRelType = db.query<void, [number, string, string]>(
    "UPDATE events SET child_rel_types = child_rel_types | ?1 WHERE event_id = ?2 AND room_id = ?3 AND (child_rel_types & ?1) = 0",
  );
  const updateRedacted = db.query<void, [string, string, string]>(
    "UPDATE events SET json = ?, redacted_by = ? WHERE event_id = ? AND redacted_by IS NULL",
  );
  // Sync's reads: stream ranges (fromExclusive, toInclusive] of one room or of every room.
  const selectRoomEventsBetween = db.query<EventRow, [string, number, number, number]>(
    `SELECT ${COLUMNS} FROM events WHERE room_id = ? AND stream_ordering > ? AND stream_ordering <= ? AND ${IN_TIMELINE}
     ORDER BY stream_ordering DESC LIMIT ?`,
  );
  const selectRoomsWithEventsBetween = db.query<{ room_id: string }, [number, number]>(
    `SELECT DISTINCT room_id FROM events WHERE stream_ordering > ? AND stream_ordering <= ? AND ${IN_TIMELINE}`,
  );
  const selectStateKeysChangedBetween = db.query<{ type: string; state_key: string }, [string, number, number]>(
    `SELECT DISTINCT type, state_key FROM events WHERE room_id = ? AND stream_ordering > ? AND stream_ordering <= ?
     AND state_key IS NOT NULL AND ${IN_TIMELINE}`,
  );
  const selectMembershipAt = db.query<{ membership: string | null }, [string, string, number]>(
    `SELECT membership FROM events WHERE room_id = ? AND type = 'm.room.member' AND state_key = ? AND stream_ordering <= ? AND ${IN_TIMELINE}
     ORDER BY stream_ordering DESC LIMIT 1`,
  );
  const selectStateGroupAtStream = db.query<{ state_group: number | null }, [string, number]>(
    `SELECT state_group FROM events WHERE room_id = ? AND stream_ordering <= ? AND ${IN_TIMELINE} ORDER BY stream_ordering DESC LIMIT 1`,
  );
  const selectMemberEventsBetween = db.query<MemberChangeRow, [number, number]>(
    `SELECT room_id, state_key, membership, stream_ordering FROM events WHERE stream_ordering > ? AND stream_ordering <= ?
     AND type = 'm.room.member' AND ${IN_TIMELINE} ORDER BY stream_ordering`,
  );
  const selectRoomMemberEventsBetween = db.query<MemberChangeRow, [string, number, number]>(
    `SELECT room_id, state_key, membership, stream_ordering FROM events WHERE room_id = ? AND type = 'm.room.member'
     AND stream_ordering > ? AND stream_ordering <= ? AND ${IN_TIMELINE} ORDER BY stream_ordering`,
  );

  return {
    /** Inserts an event and returns its stream position. */
    insertEvent(event: NewEvent): number {
      const result = insertEvent.run(
        event.event_id,
        event.room_id,
        event.type,
        event.state_key,
        event.sender,
        event.membership,
        event.depth,
        event.origin_server_ts,
        event.state_group,
        event.replaces_state,
        event.txn?.device_id ?? null,
        event.txn?.txn_id ?? null,
        event.json,
      );
      return Number(result.lastInsertRowid);
    },
    selectEvent: (eventId: string) => selectEvent.get(eventId) ?? undefined,
    selectEventsByIds: (eventIds: readonly string[]) =>
      eventIds.length === 0 ? [] : selectEventsByIds.all(JSON.stringify(eventIds)),
    selectEventsByStreams: (streams: readonly number[]) =>
      streams.length === 0 ? [] : selectEventsByStreams.all(JSON.stringify(streams)),
    selectJson: (eventId: string) => selectJson.get(eventId)?.json,
    selectRoomId: (eventId: string) => selectRoomId.get(eventId)?.room_id,
    /** Events at or before `from` and after `to`, newest first. */
    selectBackwards: (roomId: string, from: TopologicalPosition, to: TopologicalPosition, limit: number) =>
      selectBackwards.all(roomId, from.depth, from.stream, to.depth, to.stream, limit),
    /** Events after `from` and at or before `to`, oldest first. */
    selectForwards: (roomId: string, from: TopologicalPosition, to: TopologicalPosition, limit: number) =>
      selectForwards.all(roomId, from.depth, from.stream, to.depth, to.stream, limit),
    /** The topological position of the room's last event at or before a stream position. */
    selectPositionAtStream(roomId: string, stream: number): TopologicalPosition | undefined {
      const row = selectPositionAtStream.get(roomId, stream);
      return row ? { depth: row.depth, stream: row.stream_ordering } : undefined;
    },
    selectLastInTopology: (roomId: string, at: TopologicalPosition) =>
      selectLastInTopology.get(roomId, at.depth, at.stream) ?? undefined,
    selectAtOrAfterTs: (roomId: string, ts: number, limit: number) => selectAtOrAfterTs.all(roomId, ts, limit),
    selectAtOrBeforeTs: (roomId: string, ts: number, limit: number) => selectAtOrBeforeTs.all(roomId, ts, limit),
    /** The stream position of the user's latest member event with this membership in the room. */
    selectLatestMembershipStream: (roomId: string, userId: string, membership: string) =>
      selectLatestMembershipStream.get(roomId, userId, membership)?.stream ?? undefined,
    /** All of a room's timeline events in topological order (tests and tools; not for request paths). */
    selectRoomEvents: (roomId: string) => selectRoomEvents.all(roomId),
    selectMaxStream: () => selectMaxStream.get()?.stream ?? 0,
    /** Notes that the event (in this room) now has a child of an aggregated relation type; writes only the first time. */
    markChildRelType: (eventId: string, roomId: string, bit: number) => markChildRelType.run(bit, eventId, roomId),
    /** Replaces an event's JSON by its redacted form; a second redaction leaves the first in place. */
    updateRedacted: (eventId: string, redactedJson: string, redactedBy: string) =>
      updateRedacted.run(redactedJson, redactedBy, eventId).changes > 0,
    /** A room's events in (fromExclusive, toInclusive], newest first. */
    selectRoomEventsBetween: (roomId: string, fromExclusive: number, toInclusive: number, limit: number) =>
      selectRoomEventsBetween.all(roomId, fromExclusive, toInclusive, limit),
    /** The rooms that have events in (fromExclusive, toInclusive]: a range scan, cheap for the short ranges of incremental syncs. */
    selectRoomsWithEventsBetween: (fromExclusive: number, toInclusive: number) =>
      selectRoomsWithEventsBetween.all(fromExclusive, toInclusive).map((row) => row.room_id),
    /** The (type, state_key) of the state events a room received in (fromExclusive, toInclusive]. */
    selectStateKeysChangedBetween: (roomId: string, fromExclusive: number, toInclusive: number) =>
      selectStateKeysChangedBetween.all(roomId, fromExclusive, toInclusive),
    /** A user's membership in a room as of a stream position (undefined: never a member). */
    selectMembershipAt: (roomId: string, userId: string, stream: number) =>
      selectMembershipAt.get(roomId, userId, stream)?.membership ?? undefined,
    /** The state group after the room's last event at or before a stream position (undefined: no event yet). */
    selectStateGroupAtStream(roomId: string, stream: number): number | null | undefined {
      const row = selectStateGroupAtStream.get(roomId, stream);
      return row === null ? undefined : row.state_group;
    },
    /** Member events of every room in (fromExclusive, toInclusive], oldest first. */
    selectMemberEventsBetween: (fromExclusive: number, toInclusive: number) =>
      selectMemberEventsBetween.all(fromExclusive, toInclusive),
    selectRoomMemberEventsBetween: (roomId: string, fromExclusive: number, toInclusive: number) =>
      selectRoomMemberEventsBetween.all(roomId, fromExclusive, toInclusive),
  };
}

export type EventStore = ReturnType<typeof createEventStore>;
