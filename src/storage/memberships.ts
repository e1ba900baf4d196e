/** Each user's current membership per room, kept in step with the room state at append time. */
import type { Database } from "bun:sqlite";

export interface MembershipRow {
  room_id: string;
  user_id: string;
  membership: string;
  event_id: string;
  stream_ordering: number;
  displayname: string | null;
  avatar_url: string | null;
  forgotten: number;
}

const COLUMNS = "room_id, user_id, membership, event_id, stream_ordering, displayname, avatar_url, forgotten";

export function createMembershipStore(db: Database) {
  const upsertMembership = db.query<void, [string, string, string, string, number, string | null, string | null]>(
    `INSERT INTO memberships (room_id, user_id, membership, event_id, stream_ordering, displayname, avatar_url, forgotten)
     VALUES (?, ?, ?, ?, ?, ?, ?, 0)
     ON CONFLICT (room_id, user_id) DO UPDATE SET membership = excluded.membership, event_id = excluded.event_id,
       stream_ordering = excluded.stream_ordering, displayname = excluded.displayname, avatar_url = excluded.avatar_url, forgotten = 0`,
  );
  const selectMembership = db.query<MembershipRow, [string, string]>(
    `SELECT ${COLUMNS} FROM memberships WHERE room_id = ? AND user_id = ?`,
  );
  const selectRoomsOfUser = db.query<MembershipRow, [string, string]>(
    `SELECT ${COLUMNS} FROM memberships WHERE user_id = ? AND membership = ? ORDER BY room_id`,
  );
  const selectMembersOfRoom = db.query<MembershipRow, [string, string]>(
    `SELECT ${COLUMNS} FROM memberships WHERE room_id = ? AND membership = ? ORDER BY user_id`,
  );
  const selectChangedSince = db.query<MembershipRow, [string, number]>(
    `SELECT ${COLUMNS} FROM memberships WHERE user_id = ? AND stream_ordering > ? ORDER BY stream_ordering`,
  );
  const selectAllOfUser = db.query<MembershipRow, [string]>(
    `SELECT ${COLUMNS} FROM memberships WHERE user_id = ? ORDER BY room_id`,
  );
  const selectUsersSharingRoomWith = db.query<{ user_id: string }, [string]>(
    `SELECT DISTINCT other.user_id FROM memberships mine JOIN memberships other ON other.room_id = mine.room_id
     WHERE mine.user_id = ? AND mine.membership = 'join' AND other.membership = 'join'`,
  );
  const selectHeroes = db.query<{ user_id: string }, [string, string, string, number]>(
    `SELECT user_id FROM memberships WHERE room_id = ? AND user_id != ? AND membership IN (SELECT value FROM json_each(?))
     ORDER BY stream_ordering LIMIT ?`,
  );
  const selectSharesRoom = db.query<{ shared: number }, [string, string]>(
    `SELECT 1 AS shared FROM memberships mine JOIN memberships other ON other.room_id = mine.room_id
     WHERE mine.user_id = ? AND mine.membership = 'join' AND other.user_id = ? AND other.membership = 'join' LIMIT 1`,
  );
  const countMembers = db.query<{ n: number }, [string, string]>(
    "SELECT COUNT(*) AS n FROM memberships WHERE room_id = ? AND membership = ?",
  );
  const updateForgotten = db.query<void, [string, string]>(
    "UPDATE memberships SET forgotten = 1 WHERE room_id = ? AND user_id = ?",
  );
  const clearProfile = db.query<void, [string]>(
    "UPDATE memberships SET displayname = NULL, avatar_url = NULL WHERE event_id = ?",
  );
  return {
    upsertMembership: (row: Omit<MembershipRow, "forgotten">) =>
      upsertMembership.run(
        row.room_id,
        row.user_id,
        row.membership,
        row.event_id,
        row.stream_ordering,
        row.displayname,
        row.avatar_url,
      ),
    selectMembership: (roomId: string, userId: string) => selectMembership.get(roomId, userId) ?? undefined,
    selectRoomsOfUser: (userId: string, membership: string) => selectRoomsOfUser.all(userId, membership),
    selectMembersOfRoom: (roomId: string, membership: string) => selectMembersOfRoom.all(roomId, membership),
    countMembers: (roomId: string, membership: string) => countMembers.get(roomId, membership)?.n ?? 0,
    /** Memberships of the user whose latest change is after stream position `since` (for sync). */
    selectChangedSince: (userId: string, since: number) => selectChangedSince.all(userId, since),
    selectAllOfUser: (userId: string) => selectAllOfUser.all(userId),
    /** Users joined to at least one room the user is joined to (the user included). */
    selectUsersSharingRoomWith: (userId: string) => selectUsersSharingRoomWith.all(userId).map((row) => row.user_id),
    updateForgotten: (roomId: string, userId: string) => updateForgotten.run(roomId, userId),
    /** A redacted member event loses its displayname and avatar. */
    clearProfile: (eventId: string) => clearProfile.run(eventId),
    /** The earliest members with one of `memberships`, other than `excludeUserId` (sync's m.heroes). */
    selectHeroes: (roomId: string, excludeUserId: string, memberships: readonly string[], limit: number) =>
      selectHeroes.all(roomId, excludeUserId, JSON.stringify(memberships), limit).map((row) => row.user_id),
    /** Whether two users are joined to at least one common room. */
    selectSharesRoom: (userId: string, otherUserId: string) => selectSharesRoom.get(userId, otherUserId) !== null,
  };
}

export type MembershipStore = ReturnType<typeof createMembershipStore>;
