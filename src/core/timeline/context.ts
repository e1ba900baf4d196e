/**
 * GET /rooms/{roomId}/event/{eventId} and GET /rooms/{roomId}/context/{eventId}. An event the
 * user may not see is answered as if it did not exist (404), as the spec asks.
 * https://spec.matrix.org/v1.19/client-server-api/#get_matrixclientv3roomsroomideventeventid
 * https://spec.matrix.org/v1.19/client-server-api/#get_matrixclientv3roomsroomidcontexteventid
 */
import { MatrixError, notFound } from "../../errors.ts";
import type { EventRow } from "../../storage/events.ts";
import type { ReadPoint } from "./room-access.ts";
import type { TimelineDeps } from "./timeline-deps.ts";
import type { ClientEvent, RoomReader } from "./client-event.ts";
import type { Viewer } from "../requester.ts";
import { parseRoomEventFilter } from "./event-filter.ts";
import { lazyMembers } from "./messages.ts";
import { paginate } from "./paginate.ts";
import { positionAt, positionBefore, ROOM_END, ROOM_START, topologicalToken } from "./tokens.ts";

export interface ContextResponse {
  start: string;
  end: string;
  event: ClientEvent;
  events_before: ClientEvent[];
  events_after: ClientEvent[];
  state: ClientEvent[];
}

/**
 * The event if it is in the room's timeline and the user may see it; otherwise 404, also when
 * the user may not read the room at all. With the user's view of the room, for serializing.
 */
export function visibleEvent(
  deps: TimelineDeps,
  userId: string,
  roomId: string,
  eventId: string,
): { row: EventRow; point: ReadPoint; reader: RoomReader } {
  let point: ReadPoint;
  try {
    point = deps.access.readPoint(userId, roomId);
  } catch (error) {
    if (error instanceof MatrixError && error.errcode === "M_FORBIDDEN") throw notFound("Event not found");
    throw error;
  }
  const row = deps.stores.events.selectEvent(eventId);
  const reader = deps.visibility.forUser(userId, roomId);
  if (!row || row.room_id !== roomId || !reader.visible(row)) throw notFound("Event not found");
  return { row, point, reader };
}

export function getEvent(deps: TimelineDeps, viewer: Viewer, roomId: string, eventId: string): ClientEvent {
  const { row, point, reader } = visibleEvent(deps, viewer.user_id, roomId, eventId);
  return deps.clientEvents.serialize(row, viewer, { reader, until: point.until });
}

export function getContext(
  deps: TimelineDeps,
  viewer: Viewer,
  roomId: string,
  eventId: string,
  request: { limit?: number | undefined; filter?: string | undefined },
): ContextResponse {
  const { row: event, point, reader } = visibleEvent(deps, viewer.user_id, roomId, eventId);
  const filter = parseRoomEventFilter(request.filter);
  const limit = Math.min(Math.max(request.limit ?? 10, 0), 100);
  const visible = reader.visible;
  const beforeLimit = Math.floor(limit / 2);
  const before = paginate(deps.stores, {
    roomId,
    dir: "b",
    from: positionBefore(event),
    bound: ROOM_START,
    limit: beforeLimit,
    filter,
    visible,
  });
  const after = paginate(deps.stores, {
    roomId,
    dir: "f",
    from: positionAt(event),
    bound: point.until ?? ROOM_END,
    limit: limit - beforeLimit,
    filter,
    visible,
  });
  const earliest = before.rows.at(-1) ?? event;
  const latest = after.rows.at(-1) ?? event;
  const state = filter.lazy_load_members
    ? lazyMembers(deps, viewer, roomId, [latest, event, ...before.rows, ...after.rows], reader)
    : deps.clientEvents.serializeAll(deps.state.stateAt(roomId, latest.state_group), viewer);
  // One page for the aggregations: the event and those around it.
  const [served, ...around] = deps.clientEvents.serializeAll([event, ...before.rows, ...after.rows], viewer, {
    reader,
    until: point.until,
  });
  return {
    start: topologicalToken(positionBefore(earliest)),
    end: topologicalToken(positionAt(latest)),
    event: served!,
    events_before: around.slice(0, before.rows.length),
    events_after: around.slice(before.rows.length),
    state,
  };
}
