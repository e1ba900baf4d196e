/**
 * GET /rooms/{roomId}/state/{eventType}/{stateKey} and GET /rooms/{roomId}/state.
 * https://spec.matrix.org/v1.19/client-server-api/#get_matrixclientv3roomsroomidstate
 */
import { notFound } from "../../errors.ts";
import type { Viewer } from "../requester.ts";
import type { ClientEvent } from "./client-event.ts";
import type { TimelineDeps } from "./timeline-deps.ts";

/** The state of the room as the user may read it: current, or as it was when they left. */
export function getState(deps: TimelineDeps, viewer: Viewer, roomId: string): ClientEvent[] {
  const point = deps.access.readPoint(viewer.user_id, roomId);
  return deps.clientEvents.serializeAll(deps.state.stateAt(roomId, point.state_group), viewer);
}

export function getStateEvent(
  deps: TimelineDeps,
  viewer: Viewer,
  roomId: string,
  type: string,
  stateKey: string,
  format: "content" | "event" = "content",
) {
  const point = deps.access.readPoint(viewer.user_id, roomId);
  const row = deps.state.entryAt(roomId, point.state_group, type, stateKey);
  if (!row) throw notFound(`The room has no ${type} state with key ${JSON.stringify(stateKey)}`);
  const event = deps.clientEvents.serialize(row, viewer);
  return format === "event" ? event : event.content;
}
