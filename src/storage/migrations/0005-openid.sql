-- OpenID tokens (POST /user/{userId}/openid/request_token) that third parties such as the
-- LiveKit authorization service exchange for a user id at /federation/v1/openid/userinfo.
-- Stored as sha256 hashes, like access tokens.
CREATE TABLE openid_tokens (
  token_hash BLOB PRIMARY KEY NOT NULL,
  user_id TEXT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
  expires_ts INTEGER NOT NULL,
  created_ts INTEGER NOT NULL
) STRICT;
CREATE INDEX openid_tokens_by_expiry ON openid_tokens(expires_ts);
