/**
 * GET /rooms/{roomId}/messages: paginate a room's timeline in either direction, filtered,
 * with only the events the user may see, and lazy-loaded members on request.
 * https://spec.matrix.org/v1.19/client-server-api/#get_matrixclientv3roomsroomidmessages
 */
import type { EventRow } from "../../storage/events.ts";
import type { TimelineDeps } from "./timeline-deps.ts";
import type { ClientEvent, RoomReader } from "./client-event.ts";
import type { Viewer } from "../requester.ts";
import { parseRoomEventFilter } from "./event-filter.ts";
import { paginate, type Direction } from "./paginate.ts";
import {
  minPosition,
  positionAt,
  positionBefore,
  resolveRoomToken,
  ROOM_END,
  ROOM_START,
  topologicalToken,
} from "./tokens.ts";

export interface MessagesRequest {
  from?: string | undefined;
  to?: string | undefined;
  dir: Direction;
  limit?: number | undefined;
  filter?: string | undefined;
}

export interface MessagesResponse {
  start: string;
  end?: string;
  chunk: ClientEvent[];
  state?: ClientEvent[];
}

const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 1_000;

export function getMessages(
  deps: TimelineDeps,
  viewer: Viewer,
  roomId: string,
  request: MessagesRequest,
): MessagesResponse {
  const point = deps.access.readPoint(viewer.user_id, roomId);
  const filter = parseRoomEventFilter(request.filter);
  const limit = Math.min(Math.max(request.limit ?? filter.limit ?? DEFAULT_LIMIT, 0), MAX_LIMIT);
  const resolve = (token: string, name: string) => resolveRoomToken(deps.stores.events, roomId, token, name);
  // Users who left read up to their leave event and no further.
  const latest = deps.stores.events.selectLastInTopology(roomId, ROOM_END);
  const last = point.until ?? (latest ? positionAt(latest) : ROOM_START);
  const given = request.from === undefined ? undefined : resolve(request.from, "from");
  const from = minPosition(given ?? (request.dir === "b" ? last : ROOM_START), last);
  const to = request.to === undefined ? undefined : resolve(request.to, "to");
  const bound = request.dir === "b" ? (to ?? ROOM_START) : minPosition(to ?? ROOM_END, last);

  const visibility = deps.visibility.forUser(viewer.user_id, roomId);
  const page = paginate(deps.stores, {
    roomId,
    dir: request.dir,
    from,
    bound,
    limit,
    filter,
    visible: visibility.visible,
  });
  const response: MessagesResponse = {
    start: request.from ?? topologicalToken(from),
    chunk: deps.clientEvents.serializeAll(page.rows, viewer, { reader: visibility, until: point.until }),
  };
  const scanned = page.lastScanned;
  if (request.dir === "f") {
    response.end = topologicalToken(scanned ? positionAt(scanned) : from);
  } else if (!page.exhausted && scanned) {
    response.end = topologicalToken(positionBefore(scanned));
  }
  if (filter.lazy_load_members && page.rows.length > 0)
    response.state = lazyMembers(deps, viewer, roomId, page.rows, visibility);
  return response;
}

/** The member events of the chunk's senders, as of the chunk's first event. */
export function lazyMembers(
  deps: TimelineDeps,
  viewer: Viewer,
  roomId: string,
  rows: readonly EventRow[],
  reader: RoomReader,
): ClientEvent[] {
  const first = rows[0]!;
  const members = deps.state.membersAt(
    roomId,
    first.state_group,
    rows.map((row) => row.sender),
  );
  return deps.clientEvents.serializeAll(members, viewer, { reader });
}
