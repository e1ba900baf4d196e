import type { Database } from "bun:sqlite";

export interface MediaRow {
  media_id: string;
  user_id: string;
  created_ts: number;
  unused_expires_ts: number | null;
  uploaded_ts: number | null;
  sha256: string | null;
  content_type: string | null;
  filename: string | null;
  size: number | null;
}

export interface ThumbnailRow {
  sha256: string;
  width: number;
  height: number;
  method: string;
  content_type: string;
  size: number;
}

export interface UploadedMedia {
  media_id: string;
  user_id: string;
  sha256: string;
  content_type: string;
  filename: string | null;
  size: number;
  uploaded_ts: number;
}

/** Media metadata; the bytes live on disk (core/media/media-files.ts). */
export function createMediaStore(db: Database) {
  const mediaColumns =
    "media_id, user_id, created_ts, unused_expires_ts, uploaded_ts, sha256, content_type, filename, size";
  const insertFile = db.query<void, [string, number, number]>(
    "INSERT OR IGNORE INTO media_files (sha256, size, created_ts) VALUES (?, ?, ?)",
  );
  const selectFile = db.query<{ sha256: string; size: number }, [string]>(
    "SELECT sha256, size FROM media_files WHERE sha256 = ?",
  );
  const deleteFile = db.query<void, [string]>("DELETE FROM media_files WHERE sha256 = ?");
  const countMediaBySha256 = db.query<{ count: number }, [string]>(
    "SELECT COUNT(*) AS count FROM media WHERE sha256 = ?",
  );

  const insertMedia = db.query<void, [string, string, number, number, string, string, string | null, number]>(
    `INSERT INTO media (media_id, user_id, created_ts, uploaded_ts, sha256, content_type, filename, size) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertPendingMedia = db.query<void, [string, string, number, number]>(
    "INSERT INTO media (media_id, user_id, created_ts, unused_expires_ts) VALUES (?, ?, ?, ?)",
  );
  const updatePendingMediaContent = db.query<void, [string, string, string | null, number, number, string]>(
    `UPDATE media SET sha256 = ?, content_type = ?, filename = ?, size = ?, uploaded_ts = ?, unused_expires_ts = NULL
     WHERE media_id = ? AND sha256 IS NULL`,
  );
  const selectMedia = db.query<MediaRow, [string]>(`SELECT ${mediaColumns} FROM media WHERE media_id = ?`);
  const selectPendingCount = db.query<{ count: number; earliest: number | null }, [string, number]>(
    `SELECT COUNT(*) AS count, MIN(unused_expires_ts) AS earliest FROM media
     WHERE user_id = ? AND sha256 IS NULL AND unused_expires_ts > ?`,
  );
  const deleteExpiredPending = db.query<void, [number]>(
    "DELETE FROM media WHERE sha256 IS NULL AND unused_expires_ts <= ?",
  );
  const deleteMedia = db.query<{ sha256: string | null }, [string]>(
    "DELETE FROM media WHERE media_id = ? RETURNING sha256",
  );
  const deleteMediaCreatedBefore = db.query<{ sha256: string | null }, [number]>(
    "DELETE FROM media WHERE COALESCE(uploaded_ts, created_ts) < ? RETURNING sha256",
  );

  const selectThumbnail = db.query<ThumbnailRow, [string, number, number, string]>(
    "SELECT sha256, width, height, method, content_type, size FROM media_thumbnails WHERE sha256 = ? AND width = ? AND height = ? AND method = ?",
  );
  const selectThumbnailsBySha256 = db.query<ThumbnailRow, [string]>(
    "SELECT sha256, width, height, method, content_type, size FROM media_thumbnails WHERE sha256 = ?",
  );
  const insertThumbnail = db.query<void, [string, number, number, string, string, number, number]>(
    `INSERT OR REPLACE INTO media_thumbnails (sha256, width, height, method, content_type, size, created_ts) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );

  return {
    insertFile: (sha256: string, size: number, now: number) => insertFile.run(sha256, size, now),
    selectFile: (sha256: string) => selectFile.get(sha256) ?? undefined,
    deleteFile: (sha256: string) => deleteFile.run(sha256),
    countMediaBySha256: (sha256: string) => countMediaBySha256.get(sha256)?.count ?? 0,

    insertMedia: (m: UploadedMedia) =>
      insertMedia.run(
        m.media_id,
        m.user_id,
        m.uploaded_ts,
        m.uploaded_ts,
        m.sha256,
        m.content_type,
        m.filename,
        m.size,
      ),
    insertPendingMedia: (mediaId: string, userId: string, now: number, expiresTs: number) =>
      insertPendingMedia.run(mediaId, userId, now, expiresTs),
    /** Fills a pending row; false when it was filled already (or is gone). */
    updatePendingMediaContent: (m: Omit<UploadedMedia, "user_id">) =>
      updatePendingMediaContent.run(m.sha256, m.content_type, m.filename, m.size, m.uploaded_ts, m.media_id).changes ===
      1,
    selectMedia: (mediaId: string) => selectMedia.get(mediaId) ?? undefined,
    selectPendingCount: (userId: string, now: number) =>
      selectPendingCount.get(userId, now) ?? { count: 0, earliest: null },
    deleteExpiredPending: (now: number) => deleteExpiredPending.run(now).changes,
    /** Deletes one media id; returns its content hash (null when pending), or undefined when unknown. */
    deleteMedia: (mediaId: string): string | null | undefined => deleteMedia.get(mediaId)?.sha256,
    deleteMediaCreatedBefore: (ts: number) => deleteMediaCreatedBefore.all(ts).map((r) => r.sha256),

    selectThumbnail: (sha256: string, width: number, height: number, method: string) =>
      selectThumbnail.get(sha256, width, height, method) ?? undefined,
    selectThumbnailsBySha256: (sha256: string) => selectThumbnailsBySha256.all(sha256),
    insertThumbnail: (t: ThumbnailRow, now: number) =>
      insertThumbnail.run(t.sha256, t.width, t.height, t.method, t.content_type, t.size, now),
  };
}

export type MediaStore = ReturnType<typeof createMediaStore>;
