-- The published room directory moves out of rooms.is_public into a table of its own (one row
-- per listing), and content reports get a table for the server's admins.

-- Rooms listed in a published room directory. instance_id '' is this server's own list (PUT
-- /directory/list/room/{roomId}); an application service's third-party network list uses the
-- protocol instance id that publicRooms' third_party_instance_id names.
CREATE TABLE room_directory (
  instance_id TEXT NOT NULL DEFAULT '',
  room_id TEXT NOT NULL,
  published_ts INTEGER NOT NULL,
  PRIMARY KEY (instance_id, room_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX room_directory_by_room ON room_directory(room_id);

INSERT INTO room_directory (instance_id, room_id, published_ts) SELECT '', room_id, created_ts FROM rooms WHERE is_public = 1;
ALTER TABLE rooms DROP COLUMN is_public;

-- Reports of events, rooms and users (POST /rooms/{roomId}/report[/{eventId}], /users/{userId}/report),
-- kept for the server's admins. `score` is what clients before spec v1.18 still send.
CREATE TABLE reports (
  report_id INTEGER PRIMARY KEY,
  reporter TEXT NOT NULL,
  room_id TEXT,                              -- the reported room, or the room of the reported event
  event_id TEXT,                             -- the reported event
  user_id TEXT,                              -- the reported user
  reason TEXT,
  score INTEGER,
  received_ts INTEGER NOT NULL
) STRICT;
CREATE INDEX reports_by_time ON reports(received_ts);
