-- Refresh tokens, user-interactive auth sessions, profiles, account data and filters.

-- A refresh token is stored hashed like an access token. `previous_hash` is the refresh
-- token it replaced: that one stays valid until this one (or its access token) is first
-- used, so a client that lost the /refresh response can repeat it.
CREATE TABLE refresh_tokens (
  token_hash BLOB PRIMARY KEY NOT NULL,
  user_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  previous_hash BLOB,
  created_ts INTEGER NOT NULL,
  FOREIGN KEY (user_id, device_id) REFERENCES devices(user_id, device_id) ON DELETE CASCADE
) STRICT;
CREATE INDEX refresh_tokens_by_previous ON refresh_tokens(previous_hash) WHERE previous_hash IS NOT NULL;

-- The refresh token issued together with an access token (NULL: a non-expiring token).
ALTER TABLE access_tokens ADD COLUMN refresh_token_hash BLOB REFERENCES refresh_tokens(token_hash) ON DELETE CASCADE;
CREATE INDEX access_tokens_by_refresh_token ON access_tokens(refresh_token_hash) WHERE refresh_token_hash IS NOT NULL;

-- User-interactive auth: the stages completed so far, bound to one endpoint and user.
CREATE TABLE uia_sessions (
  session_id TEXT PRIMARY KEY NOT NULL,
  action TEXT NOT NULL,                      -- e.g. "register", "delete_devices"
  user_id TEXT,                              -- the authenticated user; NULL for registration
  completed TEXT NOT NULL DEFAULT '[]',      -- JSON array of completed stage types, in order
  created_ts INTEGER NOT NULL,
  expires_ts INTEGER NOT NULL
) STRICT;
CREATE INDEX uia_sessions_by_expiry ON uia_sessions(expires_ts);

-- Profile fields (displayname, avatar_url, m.tz, custom keys), each value as JSON text.
CREATE TABLE profile_fields (
  user_id TEXT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
  field TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (user_id, field)
) STRICT;

-- Account data, global (room_id = '') and per room. Every write gets a new, never reused
-- stream_position (AUTOINCREMENT), so /sync can ask for "changed since position X".
CREATE TABLE account_data (
  stream_position INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id TEXT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
  room_id TEXT NOT NULL,
  type TEXT NOT NULL,
  content TEXT NOT NULL,                     -- the JSON object as given
  UNIQUE (user_id, room_id, type)
) STRICT;
CREATE INDEX account_data_by_user_position ON account_data(user_id, stream_position);

-- Uploaded filters. Identical filters of one user share one id.
CREATE TABLE filters (
  filter_id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id TEXT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
  filter TEXT NOT NULL,                      -- the validated filter JSON
  UNIQUE (user_id, filter)
) STRICT;
