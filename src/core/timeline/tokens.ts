/**
 * Pagination tokens. `t{depth}_{stream}` is a topological position (what /messages and
 * /context hand out): the point just after the event at (depth, stream). `s{stream}` is a
 * stream position, the form sync's prev_batch/next_batch start with; anything after a
 * further `_` belongs to other sync streams and is ignored here.
 */
import { MatrixError } from "../../errors.ts";
import type { TopologicalPosition } from "../../storage/events.ts";

export type RoomToken = { kind: "topological"; position: TopologicalPosition } | { kind: "stream"; stream: number };

/** Before the first event of any room. */
export const ROOM_START: TopologicalPosition = { depth: 0, stream: 0 };
/** After the last event of any room. */
export const ROOM_END: TopologicalPosition = { depth: Number.MAX_SAFE_INTEGER, stream: Number.MAX_SAFE_INTEGER };

const TOPOLOGICAL = /^t(\d{1,16})_(\d{1,16})$/;
const STREAM = /^s(\d{1,16})(?:_.*)?$/;

export function parseRoomToken(token: string, parameter: string): RoomToken {
  const topological = TOPOLOGICAL.exec(token);
  if (topological)
    return { kind: "topological", position: { depth: Number(topological[1]), stream: Number(topological[2]) } };
  const stream = STREAM.exec(token);
  if (stream) return { kind: "stream", stream: Number(stream[1]) };
  throw new MatrixError("M_INVALID_PARAM", `Invalid pagination token in '${parameter}'`);
}

export function topologicalToken(position: TopologicalPosition): string {
  return `t${position.depth}_${position.stream}`;
}

/** The point just before an event: events at its depth with a smaller stream position stay before it. */
export function positionBefore(event: { depth: number; stream_ordering: number }): TopologicalPosition {
  return { depth: event.depth, stream: event.stream_ordering - 1 };
}

export function positionAt(event: { depth: number; stream_ordering: number }): TopologicalPosition {
  return { depth: event.depth, stream: event.stream_ordering };
}

export function comparePositions(a: TopologicalPosition, b: TopologicalPosition): number {
  return a.depth - b.depth || a.stream - b.stream;
}

/** A token as a topological position in one room: stream tokens map to the room's last event at or before them. */
export function resolveRoomToken(
  events: { selectPositionAtStream(roomId: string, stream: number): TopologicalPosition | undefined },
  roomId: string,
  token: string,
  parameter: string,
): TopologicalPosition {
  const parsed = parseRoomToken(token, parameter);
  if (parsed.kind === "topological") return parsed.position;
  return events.selectPositionAtStream(roomId, parsed.stream) ?? ROOM_START;
}

export function minPosition(a: TopologicalPosition, b: TopologicalPosition | undefined): TopologicalPosition {
  return b !== undefined && comparePositions(b, a) < 0 ? b : a;
}
