-- Rooms, their events, state, memberships, client transaction ids and aliases.

CREATE TABLE rooms (
  room_id TEXT PRIMARY KEY NOT NULL,
  room_version TEXT NOT NULL,
  creator TEXT NOT NULL,
  is_public INTEGER NOT NULL DEFAULT 0,      -- listed in the published room directory
  current_state_group INTEGER,               -- the state after the forward extremities (NULL before the create event)
  created_ts INTEGER NOT NULL
) STRICT;

-- The events with no successor yet: a new local event cites them all as prev_events.
CREATE TABLE forward_extremities (
  room_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  depth INTEGER NOT NULL,
  PRIMARY KEY (room_id, event_id)
) STRICT, WITHOUT ROWID;

-- Every event once, as the PDU's JSON text. stream_ordering is the global order of arrival
-- (sync reads "everything after N"); (depth, stream_ordering) is the topological order that
-- /messages paginates. Events are never deleted (a redaction rewrites the row), so the rowid
-- never hands out a position twice without AUTOINCREMENT's extra page write per insert.
CREATE TABLE events (
  stream_ordering INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL UNIQUE,
  room_id TEXT NOT NULL,
  type TEXT NOT NULL,
  state_key TEXT,                            -- NULL for message events
  sender TEXT NOT NULL,
  membership TEXT,                           -- content.membership of m.room.member events
  depth INTEGER NOT NULL,
  origin_server_ts INTEGER NOT NULL,
  state_group INTEGER,                       -- the room state after this event
  replaces_state TEXT,                       -- the state event this one replaced (unsigned.replaces_state)
  redacted_by TEXT,                          -- the redaction applied to it; json is then the redacted PDU
  rejected TEXT,                             -- why it failed authorization (federation); NULL when accepted
  outlier INTEGER NOT NULL DEFAULT 0,        -- known without its place in the DAG (federation)
  txn_device_id TEXT,                        -- the sending device and its transaction id, for
  txn_id TEXT,                               --   unsigned.transaction_id (see transaction_ids)
  json TEXT NOT NULL
) STRICT;
CREATE INDEX events_by_topology ON events(room_id, depth, stream_ordering);
CREATE INDEX events_by_room_stream ON events(room_id, stream_ordering);
CREATE INDEX events_by_state_key ON events(room_id, type, state_key, stream_ordering) WHERE state_key IS NOT NULL;
CREATE INDEX events_by_time ON events(room_id, origin_server_ts);

-- Relations (m.relates_to) filled at append time, for relations, threads and aggregations.
CREATE TABLE event_relations (
  event_id TEXT PRIMARY KEY NOT NULL,
  relates_to_id TEXT NOT NULL,
  rel_type TEXT NOT NULL,
  aggregation_key TEXT,                      -- m.annotation's key
  room_id TEXT NOT NULL,
  type TEXT NOT NULL,
  sender TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX event_relations_by_target ON event_relations(relates_to_id, rel_type);

-- The state at every event, as state groups: a group is either a full snapshot (prev_group
-- NULL) or a delta over prev_group. Chains are cut by a snapshot every few dozen deltas, so
-- reading a group walks a bounded chain (storage/room-state.ts).
CREATE TABLE state_groups (
  state_group INTEGER PRIMARY KEY,
  room_id TEXT NOT NULL,
  prev_group INTEGER,
  chain_length INTEGER NOT NULL              -- deltas between this group and its snapshot
) STRICT;

CREATE TABLE state_group_entries (
  state_group INTEGER NOT NULL,
  type TEXT NOT NULL,
  state_key TEXT NOT NULL,
  event_id TEXT NOT NULL,
  PRIMARY KEY (state_group, type, state_key)
) STRICT, WITHOUT ROWID;

-- The current state of each room: the state group named by rooms.current_state_group, flattened.
CREATE TABLE current_state (
  room_id TEXT NOT NULL,
  type TEXT NOT NULL,
  state_key TEXT NOT NULL,
  event_id TEXT NOT NULL,
  PRIMARY KEY (room_id, type, state_key)
) STRICT, WITHOUT ROWID;

-- Each user's current membership per room, for "rooms of a user", "joined members of a room"
-- and "memberships changed since N".
CREATE TABLE memberships (
  room_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  membership TEXT NOT NULL,
  event_id TEXT NOT NULL,
  stream_ordering INTEGER NOT NULL,
  displayname TEXT,
  avatar_url TEXT,
  forgotten INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (room_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX memberships_by_user ON memberships(user_id, membership);
CREATE INDEX memberships_by_user_stream ON memberships(user_id, stream_ordering);
CREATE INDEX memberships_by_room ON memberships(room_id, membership);

-- Client transaction ids, scoped per device and endpoint, kept so that a retried request
-- returns the same event after a restart. The event row itself names its device and txn id.
CREATE TABLE transaction_ids (
  user_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  scope TEXT NOT NULL,                       -- the endpoint and its path parameters, e.g. "send\0!room\0m.room.message"
  txn_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  created_ts INTEGER NOT NULL,
  PRIMARY KEY (user_id, device_id, scope, txn_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE room_aliases (
  alias TEXT PRIMARY KEY NOT NULL,
  room_id TEXT NOT NULL,
  creator TEXT NOT NULL,
  created_ts INTEGER NOT NULL
) STRICT;
CREATE INDEX room_aliases_by_room ON room_aliases(room_id);
