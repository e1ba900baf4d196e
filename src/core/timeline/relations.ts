/**
 * GET /rooms/{roomId}/relations/{eventId}[/{relType}[/{eventType}]]: the child events of a
 * parent, paged in topological order either way, optionally through relations of relations.
 * The parent must be visible to the user (else 404, as for /event); children are filtered
 * by history visibility and end at the user's read point.
 * https://spec.matrix.org/v1.19/client-server-api/#get_matrixclientv1roomsroomidrelationseventid
 */
import type { EventRow, TopologicalPosition } from "../../storage/events.ts";
import type { ChildFilter, ChildRange } from "../../storage/relations.ts";
import type { TimelineDeps } from "./timeline-deps.ts";
import type { ClientEvent } from "./client-event.ts";
import type { Viewer } from "../requester.ts";
import { visibleEvent } from "./context.ts";
import type { Direction } from "./paginate.ts";
import {
  minPosition,
  positionAt,
  positionBefore,
  resolveRoomToken,
  ROOM_END,
  ROOM_START,
  topologicalToken,
} from "./tokens.ts";

export interface RelationsRequest {
  relType?: string | undefined;
  eventType?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  limit?: number | undefined;
  dir?: Direction | undefined;
  recurse?: boolean | undefined;
}

export interface RelationsResponse {
  chunk: ClientEvent[];
  next_batch?: string;
  prev_batch?: string;
  recursion_depth?: number;
}

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 1_000;
/** How many relations deep `recurse=true` follows (the spec asks for at least 3). */
export const RECURSION_DEPTH = 3;
/** Children read per request at most, so that invisible children cannot make one request read a whole thread. */
const MAX_SCANNED = 2_000;

export function getRelations(
  deps: TimelineDeps,
  viewer: Viewer,
  roomId: string,
  eventId: string,
  request: RelationsRequest,
): RelationsResponse {
  const { point, reader } = visibleEvent(deps, viewer.user_id, roomId, eventId);
  const dir = request.dir ?? "b";
  const limit = Math.min(Math.max(request.limit ?? DEFAULT_LIMIT, 0), MAX_LIMIT);
  const resolve = (token: string, name: string) => resolveRoomToken(deps.stores.events, roomId, token, name);
  const last = point.until ?? ROOM_END;
  const given = request.from === undefined ? undefined : resolve(request.from, "from");
  const to = request.to === undefined ? undefined : resolve(request.to, "to");
  const from = dir === "b" ? minPosition(given ?? last, last) : (given ?? ROOM_START);
  const bound = dir === "b" ? (to ?? ROOM_START) : minPosition(to ?? ROOM_END, last);

  const filter: ChildFilter = { parentId: eventId, roomId, relType: request.relType, eventType: request.eventType };
  const read = (range: ChildRange) =>
    request.recurse
      ? deps.stores.relations.selectDescendants(filter, range, RECURSION_DEPTH)
      : deps.stores.relations.selectChildren(filter, range);
  const page = readVisible(read, { dir, from, bound, limit }, reader.visible);

  const response: RelationsResponse = {
    chunk: deps.clientEvents.serializeAll(page.rows, viewer, { reader, until: point.until }),
  };
  if (page.more && page.lastScanned) {
    response.next_batch = topologicalToken(
      dir === "b" ? positionBefore(page.lastScanned) : positionAt(page.lastScanned),
    );
  }
  if (request.from !== undefined) response.prev_batch = request.from;
  if (request.recurse !== undefined) response.recursion_depth = request.recurse ? RECURSION_DEPTH : 1;
  return response;
}

/** Reads children in batches until `limit` visible ones are found, the range ends, or MAX_SCANNED were read. */
function readVisible(
  read: (range: ChildRange) => EventRow[],
  page: { dir: Direction; from: TopologicalPosition; bound: TopologicalPosition; limit: number },
  visible: (row: EventRow) => boolean,
): { rows: EventRow[]; lastScanned: EventRow | undefined; more: boolean } {
  const rows: EventRow[] = [];
  let lastScanned: EventRow | undefined;
  let from = page.from;
  let scanned = 0;
  if (page.limit === 0) return { rows, lastScanned, more: false };
  while (scanned < MAX_SCANNED) {
    // One more than needed tells whether anything is left after a full page.
    const batchSize = page.limit - rows.length + 1;
    const batch = read({ dir: page.dir, from, to: page.bound, limit: batchSize });
    for (const row of batch) {
      if (rows.length === page.limit) return { rows, lastScanned, more: true };
      lastScanned = row;
      scanned++;
      if (visible(row)) rows.push(row);
    }
    if (batch.length < batchSize) return { rows, lastScanned, more: false };
    from = page.dir === "b" ? positionBefore(lastScanned!) : positionAt(lastScanned!);
  }
  return { rows, lastScanned, more: true };
}
