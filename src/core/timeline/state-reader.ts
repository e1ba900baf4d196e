/** Reading room state at a point (a state group) as stored events, for /state, /members, /context and lazy-loading. */
import { EventType } from "../../matrix/event-types.ts";
import type { EventRow } from "../../storage/events.ts";
import type { TimelineStores } from "./timeline-deps.ts";

export function createStateReader(stores: Pick<TimelineStores, "events" | "roomState">) {
  const rowsOf = (eventIds: string[]): EventRow[] => stores.events.selectEventsByIds(eventIds);

  return {
    /** All state events at a group (or the room's current state when `group` is "current"). */
    stateAt(roomId: string, group: number | null | "current"): EventRow[] {
      if (group === null) return [];
      const entries =
        group === "current" ? stores.roomState.selectCurrentState(roomId) : stores.roomState.selectStateAtGroup(group);
      return rowsOf(entries.map((entry) => entry.event_id));
    },

    /** The member events at a group, all of them or only those of `userIds`. */
    membersAt(roomId: string, group: number | null | "current", userIds?: Iterable<string>): EventRow[] {
      if (group === null) return [];
      if (userIds !== undefined) {
        const ids: string[] = [];
        for (const userId of new Set(userIds)) {
          const id =
            group === "current"
              ? stores.roomState.selectCurrentEntry(roomId, EventType.RoomMember, userId)
              : stores.roomState.selectEntryAtGroup(group, EventType.RoomMember, userId);
          if (id !== undefined) ids.push(id);
        }
        return rowsOf(ids);
      }
      const entries =
        group === "current"
          ? stores.roomState.selectCurrentStateOfType(roomId, EventType.RoomMember)
          : stores.roomState.selectStateOfTypeAtGroup(group, EventType.RoomMember);
      return rowsOf(entries.map((entry) => entry.event_id));
    },

    /** One state event at a group. */
    entryAt(roomId: string, group: number | null | "current", type: string, stateKey: string): EventRow | undefined {
      if (group === null) return undefined;
      const id =
        group === "current"
          ? stores.roomState.selectCurrentEntry(roomId, type, stateKey)
          : stores.roomState.selectEntryAtGroup(group, type, stateKey);
      return id === undefined ? undefined : stores.events.selectEvent(id);
    },
  };
}

export type StateReader = ReturnType<typeof createStateReader>;
