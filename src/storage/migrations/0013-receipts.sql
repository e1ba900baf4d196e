-- Read receipts (m.read, m.read.private): the latest one per room, type, user and thread.
-- INSERT OR REPLACE deletes the old row and inserts a new one, which takes the next
-- AUTOINCREMENT position: /sync reads "receipts after N" and positions are never reused.
CREATE TABLE receipts (
  stream_pos INTEGER PRIMARY KEY AUTOINCREMENT,
  room_id TEXT NOT NULL,
  receipt_type TEXT NOT NULL,
  user_id TEXT NOT NULL,
  thread_id TEXT NOT NULL,                   -- '' for an unthreaded receipt, else 'main' or a thread root
  event_id TEXT NOT NULL,
  event_stream INTEGER NOT NULL,             -- the event's stream ordering: a receipt never moves backwards
  ts INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX receipts_by_key ON receipts(room_id, receipt_type, user_id, thread_id);
CREATE INDEX receipts_by_room_position ON receipts(room_id, stream_pos);
