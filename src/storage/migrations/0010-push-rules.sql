-- Push notifications: push rules, per-event notifications (unread counts, /notifications)
-- and pushers.

-- The rules users define, in the order they are checked within their kind. The
-- server-default rules are code (matrix/push-rules/predefined-rules.ts), not rows, so the
-- rules of a newer spec reach every user.
CREATE TABLE push_rules (
  user_id TEXT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
  kind TEXT NOT NULL,                        -- override, content, room, sender or underride
  rule_id TEXT NOT NULL,
  priority INTEGER NOT NULL,                 -- higher is checked first, within (user_id, kind)
  enabled INTEGER NOT NULL DEFAULT 1,
  actions TEXT NOT NULL,                     -- JSON array
  conditions TEXT,                           -- JSON array; override and underride rules
  pattern TEXT,                              -- content rules
  PRIMARY KEY (user_id, kind, rule_id)
) STRICT, WITHOUT ROWID;

-- What a user changed about a server-default rule. NULL keeps the rule's own value.
CREATE TABLE push_rule_defaults (
  user_id TEXT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  rule_id TEXT NOT NULL,
  enabled INTEGER,
  actions TEXT,                              -- JSON array
  PRIMARY KEY (user_id, kind, rule_id)
) STRICT, WITHOUT ROWID;

-- One row per user, at the position of their last push rule change (REPLACE takes the next
-- AUTOINCREMENT position): /sync sends m.push_rules to users changed after its token.
CREATE TABLE push_rules_stream (
  stream_position INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id TEXT NOT NULL UNIQUE REFERENCES users(user_id) ON DELETE CASCADE
) STRICT;

-- Events that notified a user, written with the event (so its counts are in the same /sync),
-- in the style of Synapse's event_push_actions. Unread counts are the unread rows;
-- /notifications pages through them. thread_id is 'main' for the main timeline.
CREATE TABLE event_push_actions (
  user_id TEXT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
  room_id TEXT NOT NULL,
  event_stream_pos INTEGER NOT NULL,         -- the event's stream ordering
  thread_id TEXT NOT NULL,
  actions TEXT NOT NULL,                     -- JSON array: the matched rule's actions
  notify INTEGER NOT NULL,
  highlight INTEGER NOT NULL,
  read INTEGER NOT NULL DEFAULT 0,           -- set by a read receipt at or after the event
  ts INTEGER NOT NULL,                       -- when the notification was generated
  PRIMARY KEY (user_id, event_stream_pos)
) STRICT, WITHOUT ROWID;
CREATE INDEX event_push_actions_unread ON event_push_actions(user_id, room_id, thread_id, event_stream_pos) WHERE read = 0;

-- HTTP pushers. device_id is the device that set the pusher: deleting the device (log out)
-- deletes its pushers, as in Synapse.
CREATE TABLE pushers (
  user_id TEXT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
  app_id TEXT NOT NULL,
  pushkey TEXT NOT NULL,
  kind TEXT NOT NULL,
  app_display_name TEXT NOT NULL,
  device_display_name TEXT NOT NULL,
  profile_tag TEXT,
  lang TEXT NOT NULL,
  data TEXT NOT NULL,                        -- JSON object, url included
  device_id TEXT,
  pushkey_ts INTEGER NOT NULL,               -- when it was last set, in milliseconds
  PRIMARY KEY (user_id, app_id, pushkey),
  FOREIGN KEY (user_id, device_id) REFERENCES devices(user_id, device_id) ON DELETE CASCADE
) STRICT;
CREATE INDEX pushers_by_pushkey ON pushers(app_id, pushkey);
