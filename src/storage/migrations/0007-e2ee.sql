-- End-to-end encryption: the to-device inbox, device and one-time keys, cross-signing
-- keys and signatures, the device-list stream and server-side key backup.
-- The server only stores and hands out public keys, signatures and ciphertext.

-- To-device messages waiting for a device. stream_pos increases per device (never reused,
-- even after the messages below it are deleted: to_device_inboxes holds the counter), and
-- a device's rows always form one contiguous range, because rows are only ever deleted
-- from the low end (acknowledged, expired or over the cap) or all at once (device deleted).
CREATE TABLE to_device_messages (
  id INTEGER PRIMARY KEY,
  user_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  stream_pos INTEGER NOT NULL,
  sender TEXT NOT NULL,
  type TEXT NOT NULL,
  content TEXT NOT NULL,                     -- the event content as JSON text
  created_ts INTEGER NOT NULL,
  FOREIGN KEY (user_id, device_id) REFERENCES devices(user_id, device_id) ON DELETE CASCADE
) STRICT;
CREATE UNIQUE INDEX to_device_messages_by_device ON to_device_messages(user_id, device_id, stream_pos);
CREATE INDEX to_device_messages_by_age ON to_device_messages(created_ts);

-- The last stream position handed out per device. Kept when the device is deleted, so a
-- device id that comes back never sees a position repeat.
CREATE TABLE to_device_inboxes (
  user_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  last_stream_pos INTEGER NOT NULL,
  PRIMARY KEY (user_id, device_id)
) STRICT, WITHOUT ROWID;

-- Transaction ids of PUT /sendToDevice, scoped to the sending device and the path
-- (event type + txn id), so a retried request is not delivered twice.
CREATE TABLE to_device_transactions (
  user_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  txn_id TEXT NOT NULL,
  created_ts INTEGER NOT NULL,
  PRIMARY KEY (user_id, device_id, event_type, txn_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX to_device_transactions_by_age ON to_device_transactions(created_ts);

-- The identity keys a device uploaded (POST /keys/upload device_keys), as signed JSON text.
CREATE TABLE device_keys (
  user_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  ed25519_key TEXT NOT NULL,                 -- keys["ed25519:<device_id>"], checked on re-upload
  key_json TEXT NOT NULL,
  PRIMARY KEY (user_id, device_id),
  FOREIGN KEY (user_id, device_id) REFERENCES devices(user_id, device_id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

-- Unclaimed one-time keys. id gives the upload order, in which keys are claimed.
CREATE TABLE one_time_keys (
  id INTEGER PRIMARY KEY,
  user_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  algorithm TEXT NOT NULL,
  key_id TEXT NOT NULL,
  key_json TEXT NOT NULL,                    -- the key as JSON text (a string or a signed object)
  FOREIGN KEY (user_id, device_id) REFERENCES devices(user_id, device_id) ON DELETE CASCADE
) STRICT;
CREATE UNIQUE INDEX one_time_keys_by_key_id ON one_time_keys(user_id, device_id, algorithm, key_id);
CREATE INDEX one_time_keys_claim_order ON one_time_keys(user_id, device_id, algorithm, id);

-- At most one fallback key per device and algorithm; `used` is set when /keys/claim hands it out.
CREATE TABLE fallback_keys (
  user_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  algorithm TEXT NOT NULL,
  key_id TEXT NOT NULL,
  key_json TEXT NOT NULL,
  used INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id, device_id, algorithm),
  FOREIGN KEY (user_id, device_id) REFERENCES devices(user_id, device_id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

-- A user's current cross-signing keys, as uploaded (with the master key's signature).
CREATE TABLE cross_signing_keys (
  user_id TEXT NOT NULL,
  usage TEXT NOT NULL CHECK (usage IN ('master', 'self_signing', 'user_signing')),
  public_key TEXT NOT NULL,                  -- unpadded base64; the key id is ed25519:<public_key>
  key_json TEXT NOT NULL,
  PRIMARY KEY (user_id, usage)
) STRICT, WITHOUT ROWID;

-- Signatures added later through POST /keys/signatures/upload, merged into /keys/query.
-- target_key_id is a device id or a cross-signing public key.
CREATE TABLE key_signatures (
  target_user_id TEXT NOT NULL,
  target_key_id TEXT NOT NULL,
  signer_user_id TEXT NOT NULL,
  signer_key_id TEXT NOT NULL,               -- e.g. ed25519:<self-signing public key>
  signature TEXT NOT NULL,
  PRIMARY KEY (target_user_id, target_key_id, signer_user_id, signer_key_id)
) STRICT, WITHOUT ROWID;

-- The device-list stream: for each user, the position of their latest device or
-- cross-signing change. Positions only grow (a change takes max + 1), so "changed since
-- p" is `stream_pos > p`, and the table holds one row per user, however many changes.
CREATE TABLE device_list_changes (
  user_id TEXT PRIMARY KEY NOT NULL,
  stream_pos INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE UNIQUE INDEX device_list_changes_by_pos ON device_list_changes(stream_pos);

-- Server-side key backup versions. Deleted versions are kept (deleted = 1) so that their
-- numbers are never reused and a repeated DELETE answers 200.
CREATE TABLE room_key_backup_versions (
  user_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  algorithm TEXT NOT NULL,
  auth_data TEXT NOT NULL,
  etag INTEGER NOT NULL DEFAULT 0,           -- bumped whenever the keys of the version change
  deleted INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id, version)
) STRICT, WITHOUT ROWID;

CREATE TABLE room_key_backup_sessions (
  user_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  room_id TEXT NOT NULL,
  session_id TEXT NOT NULL,
  first_message_index INTEGER NOT NULL,
  forwarded_count INTEGER NOT NULL,
  is_verified INTEGER NOT NULL,
  session_data TEXT NOT NULL,                -- algorithm-dependent ciphertext, as JSON text
  PRIMARY KEY (user_id, version, room_id, session_id)
) STRICT;
