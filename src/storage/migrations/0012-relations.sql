-- Relations and threads. event_relations gains the child's topological position, so that
-- /relations pages through an index range and an aggregation finds a thread's latest event
-- with one index seek, and the thread the child belongs to (threaded unread counts and
-- receipts). `threads` keeps each thread root's latest event, so /threads lists a room's
-- threads by latest activity without grouping all of its thread events on every request.
-- events.child_rel_types says which aggregated relations an event has children of, so a
-- page of events without any costs the aggregations no query at all.

CREATE TABLE event_relations_positioned (
  event_id TEXT PRIMARY KEY NOT NULL,
  relates_to_id TEXT NOT NULL,
  rel_type TEXT NOT NULL,
  aggregation_key TEXT,                      -- m.annotation's key
  room_id TEXT NOT NULL,
  type TEXT NOT NULL,
  sender TEXT NOT NULL,
  depth INTEGER NOT NULL,                    -- the child's (depth, stream_ordering), as in events
  stream_ordering INTEGER NOT NULL,
  thread_id TEXT                             -- the root of the thread the child is in; NULL for the main timeline
) STRICT, WITHOUT ROWID;

-- A relation to an event of another room is not one (the spec has it ignored): left behind.
INSERT INTO event_relations_positioned
  (event_id, relates_to_id, rel_type, aggregation_key, room_id, type, sender, depth, stream_ordering, thread_id)
SELECT r.event_id, r.relates_to_id, r.rel_type, r.aggregation_key, r.room_id, r.type, r.sender, e.depth, e.stream_ordering,
       CASE WHEN r.rel_type = 'm.thread' THEN r.relates_to_id END
FROM event_relations r JOIN events e ON e.event_id = r.event_id
WHERE NOT EXISTS (SELECT 1 FROM events parent WHERE parent.event_id = r.relates_to_id AND parent.room_id <> r.room_id);

-- A relation to a threaded event is in that thread (one hop is what existing rooms can need:
-- threads were not served before this migration).
UPDATE event_relations_positioned AS child SET thread_id = (
  SELECT parent.relates_to_id FROM event_relations_positioned parent
  WHERE parent.event_id = child.relates_to_id AND parent.rel_type = 'm.thread'
) WHERE child.rel_type <> 'm.thread';

DROP TABLE event_relations;
ALTER TABLE event_relations_positioned RENAME TO event_relations;
CREATE INDEX event_relations_by_target ON event_relations(relates_to_id, depth, stream_ordering);
CREATE INDEX event_relations_by_target_type ON event_relations(relates_to_id, rel_type, depth, stream_ordering);
-- "Has this user posted in the thread?" (current_user_participated, /threads?include=participated).
CREATE INDEX event_relations_thread_senders ON event_relations(relates_to_id, sender) WHERE rel_type = 'm.thread';

-- One row per thread root (an event with m.thread children in its own room), at the position
-- of its latest thread event.
CREATE TABLE threads (
  thread_id TEXT PRIMARY KEY NOT NULL,       -- the root's event id
  room_id TEXT NOT NULL,
  latest_event_id TEXT NOT NULL,
  latest_depth INTEGER NOT NULL,
  latest_stream INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX threads_by_activity ON threads(room_id, latest_depth, latest_stream);

INSERT INTO threads (thread_id, room_id, latest_event_id, latest_depth, latest_stream)
SELECT r.relates_to_id, r.room_id, r.event_id, r.depth, r.stream_ordering
FROM event_relations r JOIN events root ON root.event_id = r.relates_to_id AND root.room_id = r.room_id
WHERE r.rel_type = 'm.thread'
  AND NOT EXISTS (SELECT 1 FROM event_relations nested WHERE nested.event_id = r.relates_to_id)
  AND NOT EXISTS (
    SELECT 1 FROM event_relations later
    WHERE later.relates_to_id = r.relates_to_id AND later.rel_type = 'm.thread'
      AND (later.depth, later.stream_ordering) > (r.depth, r.stream_ordering)
  );

-- Bits: 1 m.replace, 2 m.thread, 4 m.reference (storage/relations.ts CHILD_REL_TYPE_BITS).
-- Set when a child arrives, never cleared: a bit left by a redacted child costs one query.
ALTER TABLE events ADD COLUMN child_rel_types INTEGER NOT NULL DEFAULT 0;
UPDATE events SET child_rel_types = (
  SELECT COALESCE(SUM(DISTINCT CASE r.rel_type WHEN 'm.replace' THEN 1 WHEN 'm.thread' THEN 2 WHEN 'm.reference' THEN 4 ELSE 0 END), 0)
  FROM event_relations r WHERE r.relates_to_id = events.event_id AND r.room_id = events.room_id
) WHERE event_id IN (SELECT relates_to_id FROM event_relations);
