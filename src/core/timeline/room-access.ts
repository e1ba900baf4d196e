/**
 * Who may read a room, and up to where. Joined members read the current state; users who
 * left (or were kicked or banned) read the room as it was when they left, until they forget
 * it; anyone may read a world_readable room. Everyone else gets 403, whether or not the room
 * exists, so that room ids cannot be probed.
 */
import { forbidden } from "../../errors.ts";
import type { Stores } from "../../storage/index.ts";
import type { TopologicalPosition } from "../../storage/events.ts";
import { HistoryVisibility, type Visibility } from "./visibility.ts";

export interface ReadPoint {
  /** The state to read: the current state, or the state after the user's leave event. */
  state_group: number | null | "current";
  /** The last position of the room the user may read; undefined for "up to now". */
  until: TopologicalPosition | undefined;
}

export interface ReadOptions {
  /** Whether users who left may read the room as it was when they left (true for most reads). */
  allowDeparted?: boolean;
}

export function createRoomAccess(
  stores: Pick<Stores, "rooms" | "memberships" | "events">,
  visibility: Pick<Visibility, "visibilityAtGroup">,
) {
  const notMember = () => forbidden("You aren't a member of the room and weren't previously a member of the room");

  return {
    /** Throws 403 M_FORBIDDEN unless the user may read the room. */
    readPoint(userId: string, roomId: string, options: ReadOptions = {}): ReadPoint {
      const room = stores.rooms.selectRoom(roomId);
      if (!room) throw notMember();
      const membership = stores.memberships.selectMembership(roomId, userId);
      const current: ReadPoint = { state_group: "current", until: undefined };
      if (membership?.membership === "join") return current;
      if (visibility.visibilityAtGroup(room.current_state_group) === HistoryVisibility.WorldReadable) return current;
      const departed =
        membership && !membership.forgotten && (membership.membership === "leave" || membership.membership === "ban");
      if (departed && (options.allowDeparted ?? true)) {
        const leave = stores.events.selectEvent(membership.event_id);
        if (leave)
          return { state_group: leave.state_group, until: { depth: leave.depth, stream: leave.stream_ordering } };
      }
      throw notMember();
    },

    /** Throws 403 unless the user is joined to the room now. */
    requireJoined(userId: string, roomId: string): void {
      if (stores.memberships.selectMembership(roomId, userId)?.membership !== "join")
        throw forbidden(`You are not joined to ${roomId}`);
    },

    membershipOf: (userId: string, roomId: string) => stores.memberships.selectMembership(roomId, userId)?.membership,
  };
}

export type RoomAccess = ReturnType<typeof createRoomAccess>;
