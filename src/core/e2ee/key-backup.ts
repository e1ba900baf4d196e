/**
 * Server-side key backup: versions, and the encrypted megolm sessions stored in the
 * current one. The server never sees a session key, only ciphertext and the metadata
 * used to keep the better of two copies.
 * https://spec.matrix.org/v1.19/client-server-api/#server-side-key-backups
 */
import { MatrixError } from "../../errors.ts";
import { replacesBackupSession } from "../../matrix/e2ee.ts";
import type { Stores } from "../../storage/index.ts";
import type { BackupSessionRow, BackupVersionRow } from "../../storage/key-backup.ts";
import type { Requester } from "../requester.ts";

export interface BackupSession {
  first_message_index: number;
  forwarded_count: number;
  is_verified: boolean;
  session_data: Record<string, unknown>;
}

export type BackupRooms = Record<string, { sessions: Record<string, BackupSession> }>;

export interface BackupVersionInfo {
  algorithm: string;
  auth_data: Record<string, unknown>;
  count: number;
  etag: string;
  version: string;
}

const unknownVersion = () => new MatrixError("M_NOT_FOUND", "Unknown backup version");

/** Versions are opaque strings to clients; ours are the user's 1, 2, 3, … */
function versionNumber(version: string): number | undefined {
  return /^[1-9][0-9]{0,14}$/.test(version) ? Number(version) : undefined;
}

function sessionOf(row: BackupSessionRow): BackupSession {
  return {
    first_message_index: row.first_message_index,
    forwarded_count: row.forwarded_count,
    is_verified: row.is_verified === 1,
    session_data: JSON.parse(row.session_data) as Record<string, unknown>,
  };
}

export function createKeyBackup(stores: Pick<Stores, "keyBackup" | "transaction">) {
  const backup = stores.keyBackup;

  /** The live (not deleted) version named by the client, or 404. */
  function liveVersion(userId: string, version: string): BackupVersionRow {
    const number = versionNumber(version);
    const row = number === undefined ? undefined : backup.selectVersion(userId, number);
    if (!row || row.deleted) throw unknownVersion();
    return row;
  }

  /** Uploads go only to the current version: 404 without one, 403 M_WRONG_ROOM_KEYS_VERSION for another. */
  function currentVersion(userId: string, version: string): number {
    const current = backup.selectCurrentVersion(userId);
    if (!current) throw unknownVersion();
    if (versionNumber(version) !== current.version) {
      throw new MatrixError("M_WRONG_ROOM_KEYS_VERSION", "Wrong backup version", {
        current_version: String(current.version),
      });
    }
    return current.version;
  }

  function summary(userId: string, version: number): { etag: string; count: number } {
    return {
      etag: String(backup.selectVersion(userId, version)?.etag ?? 0),
      count: backup.countSessions(userId, version),
    };
  }

  function info(userId: string, row: BackupVersionRow): BackupVersionInfo {
    const auth_data = JSON.parse(row.auth_data) as Record<string, unknown>;
    return { algorithm: row.algorithm, auth_data, ...summary(userId, row.version), version: String(row.version) };
  }

  return {
    createVersion(requester: Requester, algorithm: string, authData: Record<string, unknown>): { version: string } {
      return { version: String(backup.insertVersion(requester.user_id, algorithm, JSON.stringify(authData))) };
    },

    /** The named version, or the current one when none is named. */
    getVersion(requester: Requester, version?: string): BackupVersionInfo {
      if (version !== undefined) return info(requester.user_id, liveVersion(requester.user_id, version));
      const current = backup.selectCurrentVersion(requester.user_id);
      if (!current) throw new MatrixError("M_NOT_FOUND", "No current backup version");
      return info(requester.user_id, current);
    },

    /** Only auth_data can change; the algorithm and a body `version` must match. */
    updateVersion(
      requester: Requester,
      version: string,
      update: { algorithm: string; auth_data: Record<string, unknown>; version?: string },
    ): void {
      const row = liveVersion(requester.user_id, version);
      if (update.version !== undefined && update.version !== version)
        throw new MatrixError("M_INVALID_PARAM", "The version in the body does not match the path");
      if (update.algorithm !== row.algorithm)
        throw new MatrixError("M_INVALID_PARAM", "The algorithm does not match the backup's algorithm");
      backup.updateAuthData(requester.user_id, row.version, JSON.stringify(update.auth_data));
    },

    /** Deletes a version and all its keys; deleting it again is a success, an unknown version 404. */
    deleteVersion(requester: Requester, version: string): void {
      const number = versionNumber(version);
      const row = number === undefined ? undefined : backup.selectVersion(requester.user_id, number);
      if (!row) throw unknownVersion();
      stores.transaction(() => {
        backup.deleteSessions(requester.user_id, row.version);
        backup.updateDeleted(requester.user_id, row.version);
      });
    },

    /** Stores sessions in the current version, keeping the better copy of each (matrix/e2ee.ts). */
    putKeys(requester: Requester, version: string, rooms: BackupRooms): { etag: string; count: number } {
      const userId = requester.user_id;
      return stores.transaction(() => {
        const number = currentVersion(userId, version);
        let changed = false;
        for (const [roomId, { sessions }] of Object.entries(rooms)) {
          for (const [sessionId, session] of Object.entries(sessions)) {
            const stored = backup.selectSession(userId, number, roomId, sessionId);
            if (stored && !replacesBackupSession(sessionOf(stored), session)) continue;
            backup.upsertSession(userId, number, roomId, sessionId, {
              first_message_index: session.first_message_index,
              forwarded_count: session.forwarded_count,
              is_verified: session.is_verified ? 1 : 0,
              session_data: JSON.stringify(session.session_data),
            });
            changed = true;
          }
        }
        if (changed) backup.bumpEtag(userId, number);
        return summary(userId, number);
      });
    },

    getKeys(requester: Requester, version: string): { rooms: BackupRooms } {
      const row = liveVersion(requester.user_id, version);
      const rooms: BackupRooms = {};
      for (const session of backup.selectSessions(requester.user_id, row.version)) {
        (rooms[session.room_id] ??= { sessions: {} }).sessions[session.session_id] = sessionOf(session);
      }
      return { rooms };
    },

    getRoomKeys(requester: Requester, version: string, roomId: string): { sessions: Record<string, BackupSession> } {
      const row = liveVersion(requester.user_id, version);
      const sessions: Record<string, BackupSession> = {};
      for (const session of backup.selectSessionsOfRoom(requester.user_id, row.version, roomId))
        sessions[session.session_id] = sessionOf(session);
      return { sessions };
    },

    getSessionKey(requester: Requester, version: string, roomId: string, sessionId: string): BackupSession {
      const row = liveVersion(requester.user_id, version);
      const session = backup.selectSession(requester.user_id, row.version, roomId, sessionId);
      if (!session) throw new MatrixError("M_NOT_FOUND", "No room key found for this session");
      return sessionOf(session);
    },

    /** Deletes all keys, a room's keys or one session's key of a version. */
    deleteKeys(
      requester: Requester,
      version: string,
      roomId?: string,
      sessionId?: string,
    ): { etag: string; count: number } {
      const userId = requester.user_id;
      return stores.transaction(() => {
        const row = liveVersion(userId, version);
        const deleted =
          roomId === undefined
            ? backup.deleteSessions(userId, row.version)
            : sessionId === undefined
              ? backup.deleteSessionsOfRoom(userId, row.version, roomId)
              : backup.deleteSession(userId, row.version, roomId, sessionId);
        if (deleted > 0) backup.bumpEtag(userId, row.version);
        return summary(userId, row.version);
      });
    },
  };
}

export type KeyBackup = ReturnType<typeof createKeyBackup>;
