-- Local accounts, their devices and access tokens.
CREATE TABLE users (
  user_id TEXT PRIMARY KEY NOT NULL,
  password_hash TEXT,                        -- Bun.password (argon2id); NULL: cannot log in with a password
  is_guest INTEGER NOT NULL DEFAULT 0,
  is_admin INTEGER NOT NULL DEFAULT 0,
  deactivated INTEGER NOT NULL DEFAULT 0,
  appservice_id TEXT,                        -- set for users registered by an application service
  created_ts INTEGER NOT NULL
) STRICT;

CREATE TABLE devices (
  user_id TEXT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
  device_id TEXT NOT NULL,
  display_name TEXT,
  last_seen_ts INTEGER,
  last_seen_ip TEXT,
  created_ts INTEGER NOT NULL,
  PRIMARY KEY (user_id, device_id)
) STRICT;

-- Tokens are stored as sha256 hashes: a leaked database does not leak usable tokens.
CREATE TABLE access_tokens (
  token_hash BLOB PRIMARY KEY NOT NULL,
  user_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  expires_ts INTEGER,                        -- NULL: does not expire
  created_ts INTEGER NOT NULL,
  FOREIGN KEY (user_id, device_id) REFERENCES devices(user_id, device_id) ON DELETE CASCADE
) STRICT;
CREATE INDEX access_tokens_by_device ON access_tokens(user_id, device_id);
