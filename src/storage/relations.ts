/**
 * Event relations (the `m.relates_to` of each event, written at append with the child's
 * topological position and thread) and the threads of each room. The reads here are what
 * /relations, /threads and the bundled aggregations need, each an index range or seek; the
 * aggregation reads take a page's worth of parent ids at once (json_each), never one query
 * per event. A relation is recorded only when its parent is unknown or in the child's room
 * (core/rooms/persist-event.ts), so the aggregation reads need not compare rooms, which keeps them
 * within the indexes.
 */
import type { Database } from "bun:sqlite";
import { eventColumns, type EventRow, type TopologicalPosition } from "./events.ts";

/** The relation types that are aggregated, as bits of events.child_rel_types (migration 0012). */
export const CHILD_REL_TYPE_BITS: Readonly<Record<string, number>> = {
  "m.replace": 1,
  "m.thread": 2,
  "m.reference": 4,
};

export interface RelationRow {
  event_id: string;
  relates_to_id: string;
  rel_type: string;
  aggregation_key: string | null;
  room_id: string;
  type: string;
  sender: string;
  depth: number;
  stream_ordering: number;
  /** The root of the thread the child is in; null for the main timeline. */
  thread_id: string | null;
}

/** Which children of a parent: all of them, or those of one relation type (and one event type). */
export interface ChildFilter {
  parentId: string;
  roomId: string;
  relType?: string | undefined;
  eventType?: string | undefined;
}

/** Backwards: children at or before `from` and after `to`, newest first. Forwards: after `from`, at or before `to`, oldest first. */
export interface ChildRange {
  dir: "b" | "f";
  from: TopologicalPosition;
  to: TopologicalPosition;
  limit: number;
}

/** What the aggregations of one page may include: nothing after `until`, nothing by `ignored` senders. */
export interface AggregationBounds {
  until: TopologicalPosition;
  ignored: readonly string[];
}

export interface ThreadSummaryRow {
  thread_id: string;
  latest_event_id: string | null;
  count: number;
  participated: number;
}

export interface ThreadRow {
  thread_id: string;
  room_id: string;
  latest_event_id: string;
  latest_depth: number;
  latest_stream: number;
}

const E = eventColumns("e");
const IN_TIMELINE = "e.rejected IS NULL AND e.outlier = 0";
const AFTER = (dir: "b" | "f") =>
  dir === "b"
    ? "(r.depth, r.stream_ordering) <= (?4, ?5) AND (r.depth, r.stream_ordering) > (?6, ?7) ORDER BY r.depth DESC, r.stream_ordering DESC"
    : "(r.depth, r.stream_ordering) > (?4, ?5) AND (r.depth, r.stream_ordering) <= (?6, ?7) ORDER BY r.depth, r.stream_ordering";
type ChildParams = [string, string, string | null, number, number, number, number, number, string | null];

export function createRelationStore(db: Database) {
  const insertRelation = db.query<
    void,
    [string, string, string, string | null, string, string, string, number, number, string | null]
  >(
    `INSERT INTO event_relations (event_id, relates_to_id, rel_type, aggregation_key, room_id, type, sender, depth, stream_ordering, thread_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING`,
  );
  const selectRelation = db.query<RelationRow, [string]>("SELECT * FROM event_relations WHERE event_id = ?");
  const deleteRelation = db.query<RelationRow, [string]>("DELETE FROM event_relations WHERE event_id = ? RETURNING *");
  const selectAnnotation = db.query<{ found: number }, [string, string, string, string]>(
    `SELECT 1 AS found FROM event_relations WHERE relates_to_id = ? AND rel_type = 'm.annotation' AND sender = ? AND type = ? AND aggregation_key = ? LIMIT 1`,
  );

  // ?1 parent, ?2 room, ?3 event type or NULL, ?4–?7 range, ?8 limit, ?9 relation type (NULL, and
  // unused, in the untyped statements: every statement takes the same parameters).
  const childrenSql = (dir: "b" | "f", typed: boolean) =>
    `SELECT ${E} FROM event_relations r INDEXED BY ${typed ? "event_relations_by_target_type" : "event_relations_by_target"}
     JOIN events e ON e.event_id = r.event_id
     WHERE r.relates_to_id = ?1 ${typed ? "AND r.rel_type = ?9" : "AND ?9 IS NULL"} AND r.room_id = ?2 AND (?3 IS NULL OR r.type = ?3)
     AND ${IN_TIMELINE} AND ${AFTER(dir)} LIMIT ?8`;
  const selectChildren = {
    b: db.query<EventRow, ChildParams>(childrenSql("b", false)),
    f: db.query<EventRow, ChildParams>(childrenSql("f", false)),
    bTyped: db.query<EventRow, ChildParams>(childrenSql("b", true)),
    fTyped: db.query<EventRow, ChildParams>(childrenSql("f", true)),
  };
  // The same, through up to ?10 hops of relations, each hop passing the same filters
  // (a child reached only through a non-matching event is not included, as the spec says).
  const descendantsSql = (dir: "b" | "f") =>
    `WITH RECURSIVE related(event_id, hops) AS (
       SELECT r.event_id, 1 FROM event_relations r
       WHERE r.relates_to_id = ?1 AND (?9 IS NULL OR r.rel_type = ?9) AND r.room_id = ?2 AND (?3 IS NULL OR r.type = ?3)
       UNION ALL
       SELECT r.event_id, related.hops + 1 FROM related JOIN event_relations r ON r.relates_to_id = related.event_id
       WHERE related.hops < ?10 AND (?9 IS NULL OR r.rel_type = ?9) AND r.room_id = ?2 AND (?3 IS NULL OR r.type = ?3)
     )
     SELECT ${E} FROM related CROSS JOIN event_relations r ON r.event_id = related.event_id CROSS JOIN events e ON e.event_id = r.event_id
     WHERE ${IN_TIMELINE} AND ${AFTER(dir)} LIMIT ?8`;
  const selectDescendants = {
    b: db.query<EventRow, [...ChildParams, number]>(descendantsSql("b")),
    f: db.query<EventRow, [...ChildParams, number]>(descendantsSql("f")),
  };

  // The valid replacements of each parent, most recent first (spec "Validity of replacement
  // events"): same sender and type as the parent, no state key, the parent not itself a
  // replacement, m.new_content present (unless encrypted: it is inside the ciphertext). Most
  // recent is the largest origin_server_ts, then the largest event id. Parents come as
  // [event_id, sender, type]; the caller leaves out state events and redacted parents. Only
  // ids come back: the caller loads the winners. CROSS JOIN keeps SQLite walking from the ids.
  const selectEditCandidates = db.query<{ relates_to_id: string; event_id: string }, [string, number, number]>(
    `SELECT r.relates_to_id, e.event_id FROM json_each(?1) AS parent
     CROSS JOIN event_relations r INDEXED BY event_relations_by_target_type ON r.relates_to_id = parent.value ->> 0 AND r.rel_type = 'm.replace'
     CROSS JOIN events e ON e.event_id = r.event_id
     WHERE (r.depth, r.stream_ordering) <= (?2, ?3) AND r.sender = parent.value ->> 1 AND r.type = parent.value ->> 2
       AND e.state_key IS NULL AND ${IN_TIMELINE}
       AND NOT EXISTS (SELECT 1 FROM event_relations pr WHERE pr.event_id = r.relates_to_id AND pr.rel_type = 'm.replace')
       AND (r.type = 'm.room.encrypted' OR json_type(e.json, '$.content."m.new_content"') = 'object')
     ORDER BY r.relates_to_id, e.origin_server_ts DESC, e.event_id DESC`,
  );
  // ?1 root ids, ?2–?3 until, ?4 the reading user, ?5 ignored senders (second statement only).
  // Without ignored senders every subquery is answered from an index alone.
  const threadSummariesSql = (ignoring: boolean) => {
    const counted = `r.relates_to_id = root.value AND r.rel_type = 'm.thread' AND (r.depth, r.stream_ordering) <= (?2, ?3)${
      ignoring ? " AND r.sender NOT IN (SELECT value FROM json_each(?5))" : ""
    }`;
    return `SELECT thread_id, latest_event_id, count, participated FROM (
       SELECT root.value AS thread_id,
         (SELECT r.event_id FROM event_relations r WHERE ${counted} ORDER BY r.depth DESC, r.stream_ordering DESC LIMIT 1) AS latest_event_id,
         (SELECT COUNT(*) FROM event_relations r WHERE ${counted}) AS count,
         EXISTS (SELECT 1 FROM event_relations r INDEXED BY event_relations_thread_senders
                 WHERE r.relates_to_id = root.value AND r.rel_type = 'm.thread' AND r.sender = ?4) AS participated
       FROM json_each(?1) AS root
     ) WHERE latest_event_id IS NOT NULL`;
  };
  const selectThreadSummaries = db.query<ThreadSummaryRow, [string, number, number, string]>(threadSummariesSql(false));
  const selectThreadSummariesIgnoring = db.query<ThreadSummaryRow, [string, number, number, string, string]>(
    threadSummariesSql(true),
  );
  const referencesSql = (ignoring: boolean) =>
    `SELECT r.relates_to_id, r.event_id FROM event_relations r
     WHERE r.relates_to_id IN (SELECT value FROM json_each(?1)) AND r.rel_type = 'm.reference' AND (r.depth, r.stream_ordering) <= (?2, ?3)
       ${ignoring ? "AND r.sender NOT IN (SELECT value FROM json_each(?4))" : ""}
     ORDER BY r.relates_to_id, r.depth, r.stream_ordering`;
  const selectReferences = db.query<{ relates_to_id: string; event_id: string }, [string, number, number]>(
    referencesSql(false),
  );
  const selectReferencesIgnoring = db.query<
    { relates_to_id: string; event_id: string },
    [string, number, number, string]
  >(referencesSql(true));

  const upsertThread = db.query<void, [string, string, string, number, number]>(
    `INSERT INTO threads (thread_id, room_id, latest_event_id, latest_depth, latest_stream) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (thread_id) DO UPDATE SET latest_event_id = excluded.latest_event_id, latest_depth = excluded.latest_depth, latest_stream = excluded.latest_stream
     WHERE (excluded.latest_depth, excluded.latest_stream) > (threads.latest_depth, threads.latest_stream)`,
  );
  const selectLatestThreadChild = db.query<RelationRow, [string, string]>(
    `SELECT * FROM event_relations WHERE relates_to_id = ? AND rel_type = 'm.thread' AND room_id = ?
     ORDER BY depth DESC, stream_ordering DESC LIMIT 1`,
  );
  const replaceThread = db.query<void, [string, string, number, number]>(
    "UPDATE threads SET latest_event_id = ?2, latest_depth = ?3, latest_stream = ?4 WHERE thread_id = ?1",
  );
  const deleteThread = db.query<void, [string]>("DELETE FROM threads WHERE thread_id = ?");
  const selectThreadRow = db.query<ThreadRow, [string]>("SELECT * FROM threads WHERE thread_id = ?");
  // ?1 room, ?2–?3 before, ?4 limit, ?5 participating user (NULL for all threads).
  const selectThreads = db.query<ThreadRow, [string, number, number, number, string | null]>(
    `SELECT t.* FROM threads t
     WHERE t.room_id = ?1 AND (t.latest_depth, t.latest_stream) <= (?2, ?3)
       AND (?5 IS NULL
         OR EXISTS (SELECT 1 FROM event_relations r INDEXED BY event_relations_thread_senders
                    WHERE r.relates_to_id = t.thread_id AND r.rel_type = 'm.thread' AND r.sender = ?5)
         OR EXISTS (SELECT 1 FROM events root WHERE root.event_id = t.thread_id AND root.sender = ?5))
     ORDER BY t.latest_depth DESC, t.latest_stream DESC LIMIT ?4`,
  );

  function childParams(filter: ChildFilter, range: ChildRange): ChildParams {
    return [
      filter.parentId,
      filter.roomId,
      filter.eventType ?? null,
      range.from.depth,
      range.from.stream,
      range.to.depth,
      range.to.stream,
      range.limit,
      filter.relType ?? null,
    ];
  }

  return {
    insertRelation: (r: RelationRow) =>
      insertRelation.run(
        r.event_id,
        r.relates_to_id,
        r.rel_type,
        r.aggregation_key,
        r.room_id,
        r.type,
        r.sender,
        r.depth,
        r.stream_ordering,
        r.thread_id,
      ),
    selectRelation: (eventId: string) => selectRelation.get(eventId) ?? undefined,
    /** Removes an event's relation (its redaction broke it) and returns what it was. */
    deleteRelation: (eventId: string) => deleteRelation.get(eventId) ?? undefined,
    /** Whether the sender already annotated the event with this type and key. */
    hasAnnotation: (targetId: string, sender: string, type: string, key: string) =>
      selectAnnotation.get(targetId, sender, type, key) !== null,

    /** Direct children of a parent in topological order (see ChildRange). */
    selectChildren(filter: ChildFilter, range: ChildRange): EventRow[] {
      const statement =
        filter.relType === undefined
          ? selectChildren[range.dir]
          : selectChildren[range.dir === "b" ? "bTyped" : "fTyped"];
      return statement.all(...childParams(filter, range));
    },
    /** Children, and their children up to `maxHops` relations away, in topological order. */
    selectDescendants: (filter: ChildFilter, range: ChildRange, maxHops: number): EventRow[] =>
      selectDescendants[range.dir].all(...childParams(filter, range), maxHops),

    /** The ids of the valid edits of each parent, most recent first per parent. */
    selectEditCandidates: (
      parents: readonly { event_id: string; sender: string; type: string }[],
      bounds: AggregationBounds,
    ) =>
      selectEditCandidates.all(
        JSON.stringify(parents.map((p) => [p.event_id, p.sender, p.type])),
        bounds.until.depth,
        bounds.until.stream,
      ),
    /** For each id that is a thread root: its latest event, the number of thread events, and whether `userId` posted one. */
    selectThreadSummaries(rootIds: readonly string[], userId: string, bounds: AggregationBounds): ThreadSummaryRow[] {
      const { until, ignored } = bounds;
      return ignored.length === 0
        ? selectThreadSummaries.all(JSON.stringify(rootIds), until.depth, until.stream, userId)
        : selectThreadSummariesIgnoring.all(
            JSON.stringify(rootIds),
            until.depth,
            until.stream,
            userId,
            JSON.stringify(ignored),
          );
    },
    /** The references to each parent, oldest first per parent. */
    selectReferences(
      parentIds: readonly string[],
      bounds: AggregationBounds,
    ): { relates_to_id: string; event_id: string }[] {
      const { until, ignored } = bounds;
      return ignored.length === 0
        ? selectReferences.all(JSON.stringify(parentIds), until.depth, until.stream)
        : selectReferencesIgnoring.all(JSON.stringify(parentIds), until.depth, until.stream, JSON.stringify(ignored));
    },

    /** Records a thread event: the root's thread row moves to it if it is the latest. */
    upsertThread: (
      roomId: string,
      threadId: string,
      latest: { event_id: string; depth: number; stream_ordering: number },
    ) => upsertThread.run(threadId, roomId, latest.event_id, latest.depth, latest.stream_ordering),
    /** After a thread event lost its relation: the thread row follows its new latest event, or goes. */
    refreshThread(threadId: string): void {
      const thread = selectThreadRow.get(threadId);
      if (!thread) return;
      const latest = selectLatestThreadChild.get(threadId, thread.room_id);
      if (!latest) deleteThread.run(threadId);
      else replaceThread.run(threadId, latest.event_id, latest.depth, latest.stream_ordering);
    },
    selectThread: (threadId: string) => selectThreadRow.get(threadId) ?? undefined,
    /** A room's threads by latest activity, newest first, whose latest event is at or before `before`. */
    selectThreads: (roomId: string, before: TopologicalPosition, limit: number, participant: string | null) =>
      selectThreads.all(roomId, before.depth, before.stream, limit, participant),
  };
}

export type RelationStore = ReturnType<typeof createRelationStore>;
