/**
 * The rooms a user is joined to, read once and kept until a member event about the user
 * shows up in the stream heads' log (or the log no longer reaches back to the copy).
 */
import { EventType } from "../../matrix/event-types.ts";
import type { Stores } from "../../storage/index.ts";
import type { MembershipRow } from "../../storage/memberships.ts";
import type { StreamHeads } from "./stream-heads.ts";

const CACHE_LIMIT = 50_000;

export function createJoinedRooms(stores: Pick<Stores, "memberships">, heads: Pick<StreamHeads, "eventsBetween">) {
  const cache = new Map<string, { asOf: number; rows: MembershipRow[] }>();
  return (userId: string, to: number): MembershipRow[] => {
    const cached = cache.get(userId);
    if (cached !== undefined) {
      const between = heads.eventsBetween(cached.asOf, to);
      if (between !== undefined && !between.some((event) => event.type === EventType.RoomMember && event.state_key === userId)) {
        cached.asOf = Math.max(cached.asOf, to);
        return cached.rows;
      }
    }
    const rows = stores.memberships.selectRoomsOfUser(userId, "join");
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(userId, { asOf: to, rows });
    return rows;
  };
}
