/**
 * GET /rooms/{roomId}/timestamp_to_event: the event closest to a time, in one direction,
 * among those the user may see.
 * https://spec.matrix.org/v1.19/client-server-api/#get_matrixclientv1roomsroomidtimestamp_to_event
 */
import { notFound } from "../../errors.ts";
import type { TimelineDeps } from "./timeline-deps.ts";
import type { Direction } from "./paginate.ts";

/** How many candidates to try before giving up on finding a visible one. */
const CANDIDATES = 100;

export function timestampToEvent(deps: TimelineDeps, userId: string, roomId: string, ts: number, dir: Direction) {
  const point = deps.access.readPoint(userId, roomId);
  const visibility = deps.visibility.forUser(userId, roomId);
  const rows =
    dir === "f"
      ? deps.stores.events.selectAtOrAfterTs(roomId, ts, CANDIDATES)
      : deps.stores.events.selectAtOrBeforeTs(roomId, ts, CANDIDATES);
  const until = point.until;
  const found = rows.find(
    (row) =>
      (until === undefined ||
        row.depth < until.depth ||
        (row.depth === until.depth && row.stream_ordering <= until.stream)) &&
      visibility.visible(row),
  );
  if (!found) throw notFound(`No event found ${dir === "f" ? "after" : "before"} ${ts}`);
  return { event_id: found.event_id, origin_server_ts: found.origin_server_ts };
}
