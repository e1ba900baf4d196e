/**
 * GET /rooms/{roomId}/threads: a room's thread roots, the most recently active thread
 * first, all of them or those the user took part in, each with its bundled aggregations.
 * The position of a thread is its latest event's; `next_batch` is the position below the
 * last thread returned. Roots the user may not see are skipped; a root sent by an ignored
 * user is served redacted, as the spec asks.
 * https://spec.matrix.org/v1.19/client-server-api/#get_matrixclientv1roomsroomidthreads
 */
import type { Pdu } from "../../matrix/pdu.ts";
import { redactPdu } from "../../matrix/redaction.ts";
import { roomVersion } from "../../matrix/room-versions.ts";
import type { EventRow } from "../../storage/events.ts";
import type { TimelineDeps } from "./timeline-deps.ts";
import { ignoredUsersOf } from "../users/ignored-users.ts";
import type { ClientEvent } from "./client-event.ts";
import type { Viewer } from "../requester.ts";
import { minPosition, resolveRoomToken, ROOM_END, topologicalToken } from "./tokens.ts";

export interface ThreadsRequest {
  include?: "all" | "participated" | undefined;
  from?: string | undefined;
  limit?: number | undefined;
}

export interface ThreadsResponse {
  chunk: ClientEvent[];
  next_batch?: string;
}

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;
/** Threads read per request at most, so that invisible roots cannot make one request read every thread. */
const MAX_SCANNED = 1_000;

export function getThreads(
  deps: TimelineDeps,
  viewer: Viewer,
  roomId: string,
  request: ThreadsRequest,
): ThreadsResponse {
  const point = deps.access.readPoint(viewer.user_id, roomId);
  const reader = deps.visibility.forUser(viewer.user_id, roomId);
  const limit = Math.min(Math.max(request.limit ?? DEFAULT_LIMIT, 1), MAX_LIMIT);
  const last = point.until ?? ROOM_END;
  let before = minPosition(
    request.from === undefined ? last : resolveRoomToken(deps.stores.events, roomId, request.from, "from"),
    last,
  );
  const participant = request.include === "participated" ? viewer.user_id : null;

  const roots: EventRow[] = [];
  let scanned = 0;
  let more = false;
  while (roots.length < limit && scanned < MAX_SCANNED) {
    const batchSize = limit - roots.length + 1;
    const threads = deps.stores.relations.selectThreads(roomId, before, batchSize, participant);
    const rows = new Map(
      deps.stores.events.selectEventsByIds(threads.map((thread) => thread.thread_id)).map((row) => [row.event_id, row]),
    );
    more = threads.length === batchSize;
    for (const thread of threads.slice(0, batchSize - 1)) {
      scanned++;
      before = { depth: thread.latest_depth, stream: thread.latest_stream - 1 };
      const root = rows.get(thread.thread_id);
      if (root && reader.visible(root)) roots.push(root);
    }
    if (!more) break;
  }

  const response: ThreadsResponse = {
    chunk: deps.clientEvents.serializeAll(redactIgnored(deps, viewer.user_id, roomId, roots), viewer, {
      reader,
      until: point.until,
    }),
  };
  if (more) response.next_batch = topologicalToken(before);
  return response;
}

/** Roots sent by users the viewer ignores, in their redacted form. */
function redactIgnored(deps: TimelineDeps, userId: string, roomId: string, roots: EventRow[]): EventRow[] {
  if (roots.length === 0) return roots;
  const ignored = new Set(ignoredUsersOf(deps.stores, userId));
  const room = deps.stores.rooms.selectRoom(roomId);
  if (ignored.size === 0 || !room) return roots;
  const version = roomVersion(room.room_version);
  if (!version) return roots;
  return roots.map((row) =>
    ignored.has(row.sender) ? { ...row, json: JSON.stringify(redactPdu(JSON.parse(row.json) as Pdu, version)) } : row,
  );
}
