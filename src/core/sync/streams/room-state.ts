/**
 * A room's state for /sync: in `state`, up to the start of the timeline; in MSC4222's
 * `state_after`, up to its end. Full (initial sync, a newly joined room, full_state) or as
 * the changes since the client's token: the keys that changed in the range, at their value
 * at that point, if it was set after the token. With lazy_load_members, unchanged member
 * events are limited to the timeline's senders, the syncing user (full state), the heroes,
 * and the senders of Element Call memberships (org.matrix.msc3401.call.member) in the
 * result: js-sdk drops a call membership whose sender it does not know as joined
 * (design/element-call.md R11). Changed member events always come, as the spec requires for
 * gaps. https://github.com/matrix-org/matrix-spec-proposals/blob/main/proposals/4222-sync-v2-state-after.md
 */
import { EventType } from "../../../matrix/event-types.ts";
import type { EventRow } from "../../../storage/events.ts";
import type { Stores } from "../../../storage/index.ts";
import { matchesFilter } from "../../timeline/event-filter.ts";
import type { RecentEvent } from "../room-event-log.ts";
import type { RoomSectionFilter } from "../sync-filter.ts";

export interface RoomStateRequest {
  roomId: string;
  userId: string;
  /** This response's timeline of the room, oldest first. */
  timeline: readonly EventRow[];
  /** Undefined: the full state. Otherwise: the changes after this stream position. */
  since: number | undefined;
  /** state_after: up to the end of the timeline, rather than its start. */
  after: boolean;
  /** The last stream position the response covers in the room (a left room: the leave event). */
  upTo: number;
  /** Whether `upTo` is the room's present, so the current-state table holds the state there. */
  atPresent: boolean;
  filter: RoomSectionFilter;
  /** Users whose member events a lazy-loading client needs besides the timeline's senders. */
  alsoMembers: readonly string[];
  /** The room's events after `since`, from the room-event log, when it reaches back that far (saves a query). */
  recent: readonly RecentEvent[] | undefined;
}

type StateStores = Pick<Stores, "events" | "roomState">;
/** A state group, the current state, or no state yet. */
type StatePoint = number | "current" | null;

function entryAt(
  stores: StateStores,
  roomId: string,
  point: StatePoint,
  type: string,
  stateKey: string,
): string | undefined {
  if (point === null) return undefined;
  return point === "current"
    ? stores.roomState.selectCurrentEntry(roomId, type, stateKey)
    : stores.roomState.selectEntryAtGroup(point, type, stateKey);
}

function fullState(stores: StateStores, roomId: string, point: StatePoint, withoutMembers: boolean): EventRow[] {
  if (point === null) return [];
  if (point === "current")
    return stores.roomState.selectCurrentStateEvents(roomId, withoutMembers ? EventType.RoomMember : undefined);
  const entries = stores.roomState
    .selectStateAtGroup(point)
    .filter((entry) => !withoutMembers || entry.type !== EventType.RoomMember);
  return stores.events.selectEventsByIds(entries.map((entry) => entry.event_id));
}

/** The (type, state_key) of the state events in (since, pointStream]: from the log when given, else a query. */
function changedKeys(
  stores: StateStores,
  request: RoomStateRequest,
  since: number,
  pointStream: number,
): { type: string; state_key: string }[] {
  if (request.recent === undefined)
    return stores.events.selectStateKeysChangedBetween(request.roomId, since, pointStream);
  const keys = new Map<string, { type: string; state_key: string }>();
  for (const event of request.recent) {
    if (event.state_key === undefined || event.stream <= since || event.stream > pointStream) continue;
    keys.set(`${event.type}\u0000${event.state_key}`, { type: event.type, state_key: event.state_key });
  }
  return [...keys.values()];
}

export function roomStateFor(stores: StateStores, request: RoomStateRequest): EventRow[] {
  const { roomId, timeline, since } = request;
  const first = timeline[0];
  const pointStream = request.after || first === undefined ? request.upTo : first.stream_ordering - 1;
  let cachedPoint: StatePoint | undefined;
  // Read only when something is looked up: an incremental sync without state changes needs no query.
  const point = (): StatePoint =>
    (cachedPoint ??=
      pointStream === request.upTo && request.atPresent
        ? "current"
        : (stores.events.selectStateGroupAtStream(roomId, pointStream) ?? null));
  const lazy = request.filter.lazy_load_members === true;

  let rows: EventRow[];
  if (since === undefined) {
    rows = fullState(stores, roomId, point(), lazy);
  } else {
    const keys = changedKeys(stores, request, since, pointStream);
    const ids = keys.flatMap((key) => entryAt(stores, roomId, point(), key.type, key.state_key) ?? []);
    rows = stores.events.selectEventsByIds(ids).filter((row) => row.stream_ordering > since);
  }
  if (lazy) {
    const needed = new Set([...timeline.map((row) => row.sender), ...request.alsoMembers]);
    if (since === undefined) needed.add(request.userId);
    for (const row of rows) if (row.type === EventType.CallMember) needed.add(row.sender);
    for (const row of rows)
      if (row.type === EventType.RoomMember && row.state_key !== null) needed.delete(row.state_key);
    const ids = [...needed].flatMap((userId) => entryAt(stores, roomId, point(), EventType.RoomMember, userId) ?? []);
    rows.push(...stores.events.selectEventsByIds(ids));
  }
  return rows.filter((row) => matchesFilter(request.filter, row)).sort((a, b) => a.stream_ordering - b.stream_ordering);
}
