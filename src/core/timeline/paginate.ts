/**
 * Walking a room's timeline in topological order, keeping the events that pass the filter
 * and that the user may see. Reads in batches and stops after a bounded number of rows, so
 * a filter that matches nothing cannot make one request scan a whole room.
 */
import type { EventRow, TopologicalPosition } from "../../storage/events.ts";
import type { TimelineStores } from "./timeline-deps.ts";
import { matchesFilter, type RoomEventFilter } from "./event-filter.ts";

export type Direction = "b" | "f";

export interface PageRequest {
  roomId: string;
  dir: Direction;
  /** Backwards: events at or before it. Forwards: events after it. */
  from: TopologicalPosition;
  /** Backwards: events after it. Forwards: events at or before it. */
  bound: TopologicalPosition;
  limit: number;
  filter: RoomEventFilter;
  visible: (row: EventRow) => boolean;
}

export interface Page {
  rows: EventRow[];
  /** The last row read, whether kept or not: the next page starts past it. */
  lastScanned: EventRow | undefined;
  /** No events remain between the last row read and the bound. */
  exhausted: boolean;
}

const BATCH = 100;
const MAX_SCANNED = 1_000;

export function paginate(stores: Pick<TimelineStores, "events">, request: PageRequest): Page {
  const rows: EventRow[] = [];
  let from = request.from;
  let lastScanned: EventRow | undefined;
  let scanned = 0;
  if (request.limit <= 0) return { rows, lastScanned, exhausted: false };
  while (scanned < MAX_SCANNED) {
    const batchSize = Math.min(BATCH, Math.max(request.limit - rows.length, 10) * 2);
    const batch =
      request.dir === "b"
        ? stores.events.selectBackwards(request.roomId, from, request.bound, batchSize)
        : stores.events.selectForwards(request.roomId, from, request.bound, batchSize);
    for (const row of batch) {
      lastScanned = row;
      scanned++;
      if (matchesFilter(request.filter, row) && request.visible(row)) rows.push(row);
      if (rows.length >= request.limit) return { rows, lastScanned, exhausted: false };
    }
    if (batch.length < batchSize) return { rows, lastScanned, exhausted: true };
    from =
      request.dir === "b"
        ? { depth: lastScanned!.depth, stream: lastScanned!.stream_ordering - 1 }
        : { depth: lastScanned!.depth, stream: lastScanned!.stream_ordering };
  }
  return { rows, lastScanned, exhausted: false };
}
