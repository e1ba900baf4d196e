-- The media repository. Content lives on disk, named by its sha256, so that identical
-- uploads are stored once; these tables say which media ids point at which content.

-- One file on disk per distinct content. A row is deleted, with its file, when no media
-- row refers to it any more.
CREATE TABLE media_files (
  sha256 TEXT PRIMARY KEY NOT NULL,          -- lowercase hex; the file is <media path>/<aa>/<bb>/<sha256>
  size INTEGER NOT NULL,
  created_ts INTEGER NOT NULL
) STRICT;

-- One row per mxc://<this server>/<media_id>. A row without sha256 is a pending upload
-- (POST /_matrix/media/v1/create) that expires at unused_expires_ts.
CREATE TABLE media (
  media_id TEXT PRIMARY KEY NOT NULL,
  user_id TEXT NOT NULL,                     -- the uploader
  created_ts INTEGER NOT NULL,
  unused_expires_ts INTEGER,                 -- pending only
  uploaded_ts INTEGER,                       -- NULL while pending; decides the unauthenticated-endpoint cutoff
  sha256 TEXT REFERENCES media_files(sha256),
  content_type TEXT,
  filename TEXT,
  size INTEGER
) STRICT;
CREATE INDEX media_pending_by_user ON media(user_id, unused_expires_ts) WHERE sha256 IS NULL;
CREATE INDEX media_by_sha256 ON media(sha256);
CREATE INDEX media_by_uploaded_ts ON media(uploaded_ts);

-- Generated thumbnails, per content and size: every media id with that content shares them.
-- The file is <media path>/thumbnails/<aa>/<sha256>-<width>x<height>-<method>.
CREATE TABLE media_thumbnails (
  sha256 TEXT NOT NULL REFERENCES media_files(sha256) ON DELETE CASCADE,
  width INTEGER NOT NULL,                    -- the requested size it answers (a chooseThumbnailSize result)
  height INTEGER NOT NULL,
  method TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size INTEGER NOT NULL,
  created_ts INTEGER NOT NULL,
  PRIMARY KEY (sha256, width, height, method)
) STRICT;
