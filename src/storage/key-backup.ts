import type { Database } from "bun:sqlite";

export interface BackupVersionRow {
  version: number;
  algorithm: string;
  auth_data: string;
  etag: number;
  deleted: number;
}

export interface BackupSessionRow {
  room_id: string;
  session_id: string;
  first_message_index: number;
  forwarded_count: number;
  is_verified: number;
  session_data: string;
}

/** Server-side key backup: versions and the encrypted megolm sessions stored in them. */
export function createKeyBackupStore(db: Database) {
  const versionColumns = "version, algorithm, auth_data, etag, deleted";
  const sessionColumns = "room_id, session_id, first_message_index, forwarded_count, is_verified, session_data";
  const selectVersion = db.query<BackupVersionRow, [string, number]>(
    `SELECT ${versionColumns} FROM room_key_backup_versions WHERE user_id = ? AND version = ?`,
  );
  const selectCurrentVersion = db.query<BackupVersionRow, [string]>(
    `SELECT ${versionColumns} FROM room_key_backup_versions WHERE user_id = ? AND deleted = 0 ORDER BY version DESC LIMIT 1`,
  );
  const insertVersion = db.query<{ version: number }, [string, string, string]>(
    `INSERT INTO room_key_backup_versions (user_id, version, algorithm, auth_data)
     VALUES (?1, (SELECT coalesce(max(version), 0) + 1 FROM room_key_backup_versions WHERE user_id = ?1), ?2, ?3)
     RETURNING version`,
  );
  const updateAuthData = db.query<void, [string, string, number]>(
    "UPDATE room_key_backup_versions SET auth_data = ? WHERE user_id = ? AND version = ?",
  );
  const updateDeleted = db.query<void, [string, number]>(
    "UPDATE room_key_backup_versions SET deleted = 1 WHERE user_id = ? AND version = ?",
  );
  const bumpEtag = db.query<void, [string, number]>(
    "UPDATE room_key_backup_versions SET etag = etag + 1 WHERE user_id = ? AND version = ?",
  );

  const selectSession = db.query<BackupSessionRow, [string, number, string, string]>(
    `SELECT ${sessionColumns} FROM room_key_backup_sessions WHERE user_id = ? AND version = ? AND room_id = ? AND session_id = ?`,
  );
  const selectSessionsOfRoom = db.query<BackupSessionRow, [string, number, string]>(
    `SELECT ${sessionColumns} FROM room_key_backup_sessions WHERE user_id = ? AND version = ? AND room_id = ?`,
  );
  const selectSessions = db.query<BackupSessionRow, [string, number]>(
    `SELECT ${sessionColumns} FROM room_key_backup_sessions WHERE user_id = ? AND version = ?`,
  );
  const upsertSession = db.query<void, [string, number, string, string, number, number, number, string]>(
    `INSERT INTO room_key_backup_sessions (user_id, version, room_id, session_id, first_message_index, forwarded_count, is_verified, session_data)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (user_id, version, room_id, session_id) DO UPDATE SET first_message_index = excluded.first_message_index,
       forwarded_count = excluded.forwarded_count, is_verified = excluded.is_verified, session_data = excluded.session_data`,
  );
  const deleteSession = db.query<void, [string, number, string, string]>(
    "DELETE FROM room_key_backup_sessions WHERE user_id = ? AND version = ? AND room_id = ? AND session_id = ?",
  );
  const deleteSessionsOfRoom = db.query<void, [string, number, string]>(
    "DELETE FROM room_key_backup_sessions WHERE user_id = ? AND version = ? AND room_id = ?",
  );
  const deleteSessions = db.query<void, [string, number]>(
    "DELETE FROM room_key_backup_sessions WHERE user_id = ? AND version = ?",
  );
  const countSessions = db.query<{ count: number }, [string, number]>(
    "SELECT count(*) AS count FROM room_key_backup_sessions WHERE user_id = ? AND version = ?",
  );

  return {
    selectVersion: (userId: string, version: number) => selectVersion.get(userId, version),
    selectCurrentVersion: (userId: string) => selectCurrentVersion.get(userId),
    /** Creates the next version number for the user (deleted versions count, so none is reused). */
    insertVersion: (userId: string, algorithm: string, authData: string) =>
      insertVersion.get(userId, algorithm, authData)!.version,
    updateAuthData: (userId: string, version: number, authData: string) =>
      updateAuthData.run(authData, userId, version),
    updateDeleted: (userId: string, version: number) => updateDeleted.run(userId, version),
    bumpEtag: (userId: string, version: number) => bumpEtag.run(userId, version),

    selectSession: (userId: string, version: number, roomId: string, sessionId: string) =>
      selectSession.get(userId, version, roomId, sessionId),
    selectSessionsOfRoom: (userId: string, version: number, roomId: string) =>
      selectSessionsOfRoom.all(userId, version, roomId),
    selectSessions: (userId: string, version: number) => selectSessions.all(userId, version),
    upsertSession: (
      userId: string,
      version: number,
      roomId: string,
      sessionId: string,
      session: Omit<BackupSessionRow, "room_id" | "session_id">,
    ) =>
      upsertSession.run(
        userId,
        version,
        roomId,
        sessionId,
        session.first_message_index,
        session.forwarded_count,
        session.is_verified,
        session.session_data,
      ),
    deleteSession: (userId: string, version: number, roomId: string, sessionId: string) =>
      deleteSession.run(userId, version, roomId, sessionId).changes,
    deleteSessionsOfRoom: (userId: string, version: number, roomId: string) =>
      deleteSessionsOfRoom.run(userId, version, roomId).changes,
    deleteSessions: (userId: string, version: number) => deleteSessions.run(userId, version).changes,
    countSessions: (userId: string, version: number) => countSessions.get(userId, version)!.count,
  };
}

export type KeyBackupStore = ReturnType<typeof createKeyBackupStore>;
