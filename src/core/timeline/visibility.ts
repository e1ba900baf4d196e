/**
 * History visibility: whether a user may see an event, decided by the room state at that
 * event. https://spec.matrix.org/v1.19/client-server-api/#server-behaviour-7
 *
 * 1. world_readable at the event: allow.
 * 2. The user's membership at the event was join: allow.
 * 3. shared, and the user joined at any point after the event: allow.
 * 4. invited, and the user's membership at the event was invite: allow.
 * For history visibility events and the user's own member events, the state before the
 * event counts as well as the state after it.
 */
import { EventType } from "../../matrix/event-types.ts";
import type { Pdu } from "../../matrix/pdu.ts";
import type { Stores } from "../../storage/index.ts";
import type { EventRow } from "../../storage/events.ts";

export const HistoryVisibility = {
  WorldReadable: "world_readable",
  Shared: "shared",
  Invited: "invited",
  Joined: "joined",
} as const;

const KNOWN = new Set<string>(Object.values(HistoryVisibility));
/** State groups are immutable, so what they say about history visibility can be cached for good. */
const GROUP_CACHE_LIMIT = 10_000;

export function createVisibility(stores: Pick<Stores, "events" | "roomState">) {
  const visibilityByGroup = new Map<number, string>();

  function visibilityOf(eventId: string | undefined): string {
    const json = eventId === undefined ? undefined : stores.events.selectJson(eventId);
    const value = json === undefined ? undefined : (JSON.parse(json) as Pdu).content.history_visibility;
    // Absent or not understood: shared.
    return typeof value === "string" && KNOWN.has(value) ? value : HistoryVisibility.Shared;
  }

  function visibilityAtGroup(group: number | null): string {
    if (group === null) return HistoryVisibility.Shared;
    let value = visibilityByGroup.get(group);
    if (value === undefined) {
      value = visibilityOf(stores.roomState.selectEntryAtGroup(group, EventType.RoomHistoryVisibility, ""));
      if (visibilityByGroup.size >= GROUP_CACHE_LIMIT) visibilityByGroup.clear();
      visibilityByGroup.set(group, value);
    }
    return value;
  }

  function membershipOfEvent(eventId: string | undefined | null): string | undefined {
    return (eventId ? stores.events.selectEvent(eventId)?.membership : undefined) ?? undefined;
  }

  /** The visibility check for one user in one room; caches what it reads for the duration of a request. */
  function forUser(userId: string, roomId: string) {
    const membershipByGroup = new Map<number, string | undefined>();
    let latestJoin: number | undefined | null = null;

    function membershipAtGroup(group: number | null): string | undefined {
      if (group === null) return undefined;
      if (!membershipByGroup.has(group)) {
        membershipByGroup.set(
          group,
          membershipOfEvent(stores.roomState.selectEntryAtGroup(group, EventType.RoomMember, userId)),
        );
      }
      return membershipByGroup.get(group);
    }

    function joinedAfter(stream: number): boolean {
      if (latestJoin === null) latestJoin = stores.events.selectLatestMembershipStream(roomId, userId, "join");
      return latestJoin !== undefined && latestJoin > stream;
    }

    function visible(row: EventRow): boolean {
      const visibilities = [visibilityAtGroup(row.state_group)];
      if (row.type === EventType.RoomHistoryVisibility && row.state_key === "")
        visibilities.push(visibilityOf(row.replaces_state ?? undefined));
      // The rules are alternatives; the cheap ones go first (the user's membership at the event
      // is a state read per group, "joined since" one read per user and room).
      if (visibilities.includes(HistoryVisibility.WorldReadable)) return true;
      if (visibilities.includes(HistoryVisibility.Shared) && joinedAfter(row.stream_ordering)) return true;
      const memberships = [membershipAtGroup(row.state_group)];
      if (row.type === EventType.RoomMember && row.state_key === userId)
        memberships.push(membershipOfEvent(row.replaces_state));
      for (const membership of memberships) {
        if (membership === "join") return true;
        if (membership === "invite" && visibilities.includes(HistoryVisibility.Invited)) return true;
      }
      return false;
    }

    return {
      visible,
      filter: (rows: readonly EventRow[]) => rows.filter(visible),
      /** The user's membership after the event, for unsigned.membership: "leave" if they had none. */
      membershipAt: (row: EventRow) => membershipAtGroup(row.state_group) ?? "leave",
    };
  }

  return {
    forUser,
    /** The room's history visibility in a state group (the current one for "may a non-member peek"). */
    visibilityAtGroup,
  };
}

export type Visibility = ReturnType<typeof createVisibility>;
