-- This server's signing keys. The newest unexpired key signs events and key responses.
CREATE TABLE server_signing_keys (
  key_id TEXT PRIMARY KEY NOT NULL,          -- e.g. ed25519:a_Xyz1
  seed BLOB NOT NULL,                        -- the 32-byte ed25519 seed
  created_ts INTEGER NOT NULL,
  expired_ts INTEGER                         -- set when the key is retired (old_verify_keys)
) STRICT;
