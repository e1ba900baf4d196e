/**
 * A room's timeline for /sync: the newest events of a stream range that pass the timeline
 * filter and that the user may see, oldest first, and whether older ones were left out
 * (`limited`). Reads newest-first in batches and stops after a bounded number of rows, so a
 * filter that matches nothing cannot make one sync scan a whole room.
 */
import { EventType } from "../../../matrix/event-types.ts";
import type { EventRow, EventStore } from "../../../storage/events.ts";
import type { MembershipRow } from "../../../storage/memberships.ts";
import { matchesFilter, type RoomEventFilter } from "../../timeline/event-filter.ts";
import { positionBefore, topologicalToken } from "../../timeline/tokens.ts";
import type { RoomReader } from "../../timeline/client-event.ts";
import type { Visibility } from "../../timeline/visibility.ts";

export interface TimelineRequest {
  roomId: string;
  fromExclusive: number;
  toInclusive: number;
  filter: RoomEventFilter;
  limit: number;
  visible: (row: EventRow) => boolean;
}

export interface Timeline {
  rows: EventRow[];
  limited: boolean;
}

const MAX_BATCH = 100;
const MAX_SCANNED = 1_000;
const MEMO_LIMIT = 256;

/**
 * The timeline reads, shared between the syncs of one moment: the long-polls one event
 * wakes all ask for the same range of the same room. Rows up to the announced event head
 * do not change while the head stands still (a redaction rewrites a row in the same commit
 * as a new event, which moves the head), so results are kept until it moves.
 */
export function createSharedTimelineReads(
  events: Pick<EventStore, "selectRoomEventsBetween">,
  eventHead: () => number,
) {
  const memo = new Map<string, EventRow[]>();
  let memoHead = -1;
  return {
    selectRoomEventsBetween(roomId: string, fromExclusive: number, toInclusive: number, limit: number): EventRow[] {
      const head = eventHead();
      if (head !== memoHead || memo.size >= MEMO_LIMIT) {
        memo.clear();
        memoHead = head;
      }
      const key = `${roomId}\u0000${fromExclusive}\u0000${toInclusive}\u0000${limit}`;
      let rows = memo.get(key);
      if (rows === undefined)
        memo.set(key, (rows = events.selectRoomEventsBetween(roomId, fromExclusive, toInclusive, limit)));
      return rows;
    },
  };
}

export function loadTimeline(events: Pick<EventStore, "selectRoomEventsBetween">, request: TimelineRequest): Timeline {
  const wanted = request.limit + 1;
  const newestFirst: EventRow[] = [];
  let upper = request.toInclusive;
  let scanned = 0;
  while (newestFirst.length < wanted) {
    if (scanned >= MAX_SCANNED) return { rows: newestFirst.slice(0, request.limit).reverse(), limited: true };
    const size = Math.min(MAX_BATCH, Math.max((wanted - newestFirst.length) * 2, 10));
    const batch = events.selectRoomEventsBetween(request.roomId, request.fromExclusive, upper, size);
    for (const row of batch) {
      scanned++;
      if (matchesFilter(request.filter, row) && request.visible(row)) newestFirst.push(row);
      if (newestFirst.length >= wanted) break;
    }
    if (batch.length < size) break;
    upper = batch[batch.length - 1]!.stream_ordering - 1;
  }
  return { rows: newestFirst.slice(0, request.limit).reverse(), limited: newestFirst.length > request.limit };
}

/**
 * Which events of a room the user may see, and their membership after each (for
 * unsigned.membership). After the user's current join both are known without reading
 * history (the common case, and all of an incremental sync): visible, and "join". The user's
 * own member events are always visible, so that a rejected invite or a kick shows up. Other
 * events go through history visibility.
 */
export function readerFor(
  visibility: Pick<Visibility, "forUser">,
  userId: string,
  roomId: string,
  membership: MembershipRow | undefined,
): RoomReader {
  const reader = visibility.forUser(userId, roomId);
  const joinedFrom = membership?.membership === "join" ? membership.stream_ordering : Number.POSITIVE_INFINITY;
  return {
    visible: (row) =>
      row.stream_ordering >= joinedFrom ||
      (row.type === EventType.RoomMember && row.state_key === userId) ||
      reader.visible(row),
    membershipAt: (row) => (row.stream_ordering >= joinedFrom ? "join" : reader.membershipAt(row)),
  };
}

/** The token to paginate back from the start of a timeline (`fallback` when it is empty). */
export function prevBatchOf(rows: readonly EventRow[], fallback: string): string {
  const first = rows[0];
  return first === undefined ? fallback : topologicalToken(positionBefore(first));
}
