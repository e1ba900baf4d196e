-- Application services (bridges, bots, call services): their registrations and the durable
-- queue of what is to be pushed to them (docs/appservices.md#delivery).

-- One row per registered application service. The as_token is kept only as its sha256
-- hash, like access tokens; the hs_token is kept as is because we send it.
CREATE TABLE appservices (
  id TEXT PRIMARY KEY NOT NULL,
  as_token_hash BLOB NOT NULL UNIQUE,
  registration TEXT NOT NULL,                -- the validated registration as JSON, without as_token
  source TEXT NOT NULL,                      -- the registration file it was read from
  registered_ts INTEGER NOT NULL,
  next_txn_id INTEGER NOT NULL DEFAULT 1     -- transaction ids are never reused, so an appservice can dedupe on them
) STRICT;

-- What waits to go into the next transaction, oldest first. Nothing expires: an appservice
-- that is down keeps its backlog until it returns or is unregistered.
CREATE TABLE appservice_outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  appservice_id TEXT NOT NULL REFERENCES appservices(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,                        -- event | ephemeral | to_device | device_list
  payload TEXT NOT NULL,                     -- event: the event id; the others: JSON
  created_ts INTEGER NOT NULL
) STRICT;
CREATE INDEX appservice_outbox_by_appservice ON appservice_outbox(appservice_id, seq);

-- The transaction being delivered, at most one per appservice. Its body is built once and
-- sent unchanged, under the same txn_id, until the appservice answers 2xx.
CREATE TABLE appservice_transactions (
  appservice_id TEXT PRIMARY KEY NOT NULL REFERENCES appservices(id) ON DELETE CASCADE,
  txn_id INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_ts INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT
) STRICT;

-- How far each source stream (room events, device lists) has been read into the outbox.
CREATE TABLE appservice_feed_positions (
  feed TEXT PRIMARY KEY NOT NULL,
  position INTEGER NOT NULL
) STRICT;
