/**
 * The user's rooms as one response sees them, computed once per request before the streams
 * run: the rooms joined now, and for an incremental sync the membership changes since the
 * token (the memberships table keeps each one's stream position), which make the rooms newly
 * joined (full state, all their receipts, typing, account data and members' device lists),
 * left, invited to and knocked on. Streams receive this as an argument rather than each
 * asking again. The joined rooms are read once per user and kept until a member event about
 * the user shows up in the room-event log (or the log no longer reaches back to the copy).
 */
import { EventType } from "../../matrix/event-types.ts";
import type { Stores } from "../../storage/index.ts";
import type { MembershipRow } from "../../storage/memberships.ts";
import type { RecentEvent, RoomEventLog } from "./room-event-log.ts";
import { roomIncluded, type SyncFilter } from "./sync-filter.ts";

export interface RoomMemberships {
  /** The rooms the user is joined to now (that the filter includes). */
  joined: Map<string, MembershipRow>;
  /** Joined rooms the user was not joined to at the token. */
  newlyJoined: ReadonlySet<string>;
  /** Rooms the user left (or was kicked or banned from) after the token. */
  newlyLeft: ReadonlySet<string>;
  /** Invites and knocks to show. */
  pending: MembershipRow[];
  /** Rooms left to show, up to the member event that ended the membership. */
  left: MembershipRow[];
}

export interface MembershipRequest {
  userId: string;
  filter: SyncFilter;
  /** The event position of the token, undefined for an initial sync. */
  since: number | undefined;
  /** The event position the response covers. */
  to: number;
  /** The room events in (since, to] from the log, when it reaches back. */
  recentEvents: readonly RecentEvent[] | undefined;
}

const CACHE_LIMIT = 50_000;

export function createRoomMemberships(
  stores: Pick<Stores, "memberships" | "events">,
  log: Pick<RoomEventLog, "eventsBetween">,
) {
  const cache = new Map<string, { asOf: number; rows: MembershipRow[] }>();

  function joinedRooms(userId: string, to: number): MembershipRow[] {
    const cached = cache.get(userId);
    if (cached !== undefined) {
      const between = log.eventsBetween(cached.asOf, to);
      if (
        between !== undefined &&
        !between.some((event) => event.type === EventType.RoomMember && event.state_key === userId)
      ) {
        cached.asOf = Math.max(cached.asOf, to);
        return cached.rows;
      }
    }
    const rows = stores.memberships.selectRoomsOfUser(userId, "join");
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(userId, { asOf: to, rows });
    return rows;
  }

  /** The user's membership changes after `since`; none to read when the log shows no member event about the user. */
  function changesSince(request: MembershipRequest, since: number): MembershipRow[] {
    const { userId, recentEvents } = request;
    if (
      recentEvents !== undefined &&
      !recentEvents.some((event) => event.type === EventType.RoomMember && event.state_key === userId)
    )
      return [];
    return stores.memberships.selectChangedSince(userId, since);
  }

  return (request: MembershipRequest): RoomMemberships => {
    const { userId, filter, since, to } = request;
    const joined = new Map(
      joinedRooms(userId, to)
        .filter((row) => roomIncluded(filter, {}, row.room_id))
        .map((row) => [row.room_id, row]),
    );
    const rooms = {
      joined,
      newlyJoined: new Set<string>(),
      newlyLeft: new Set<string>(),
      pending: [] as MembershipRow[],
      left: [] as MembershipRow[],
    };
    if (since === undefined) {
      for (const membership of stores.memberships.selectAllOfUser(userId)) {
        if (!roomIncluded(filter, {}, membership.room_id) || membership.stream_ordering > to) continue;
        if (membership.membership === "invite" || membership.membership === "knock") rooms.pending.push(membership);
        else if (
          (membership.membership === "leave" || membership.membership === "ban") &&
          filter.room.include_leave &&
          !membership.forgotten
        )
          rooms.left.push(membership);
      }
      return rooms;
    }
    for (const membership of changesSince(request, since)) {
      const roomId = membership.room_id;
      if (membership.stream_ordering > to || !roomIncluded(filter, {}, roomId)) continue;
      switch (membership.membership) {
        case "join":
          if (stores.events.selectMembershipAt(roomId, userId, since) !== "join") rooms.newlyJoined.add(roomId);
          break;
        case "invite":
        case "knock":
          rooms.pending.push(membership);
          break;
        case "leave":
        case "ban":
          rooms.newlyLeft.add(roomId);
          rooms.left.push(membership);
          break;
      }
    }
    return rooms;
  };
}
