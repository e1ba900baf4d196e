/**
 * PUT and GET /rooms/{roomId}/state/{eventType}/{stateKey}, and GET /rooms/{roomId}/state.
 * https://spec.matrix.org/v1.19/client-server-api/#put_matrixclientv3roomsroomidstateeventtypestatekey
 */
import { notFound } from "../../errors.ts";
import { canonicalJson } from "../../matrix/canonical-json.ts";
import { EventType } from "../../matrix/event-types.ts";
import type { EventContent } from "../../matrix/pdu.ts";
import { checkCanonicalAlias } from "../rooms/aliases.ts";
import { requireKnownRoom } from "../rooms/membership/resolve-room.ts";
import type { RoomDeps } from "../rooms/room-deps.ts";
import type { Append } from "./append-event.ts";
import type { ClientEvent } from "./client-event.ts";
import type { Viewer } from "../requester.ts";

export function setState(deps: RoomDeps, sender: string, roomId: string, type: string, stateKey: string, content: EventContent): Promise<{ event_id: string }> {
  requireKnownRoom(deps, roomId, sender);
  return deps.engine.write(({ append }) => ({ event_id: appendStateEvent(deps, append, sender, roomId, type, stateKey, content) }));
}

/** Sets a state event as PUT /state does, inside an open `engine.write`; returns its event id. */
export function appendStateEvent(deps: RoomDeps, append: Append, sender: string, roomId: string, type: string, stateKey: string, content: EventContent): string {
  requireKnownRoom(deps, roomId, sender);
  const current = deps.engine.currentStateEvent(roomId, type, stateKey);
  // Setting the same content again changes nothing, so no event is sent (Synapse does likewise).
  if (current && current.pdu.sender === sender && canonicalJson(current.pdu.content) === canonicalJson(content)) return current.event_id;
  if (type === EventType.RoomCanonicalAlias) checkCanonicalAlias(deps, roomId, content, current?.pdu.content);
  return append(roomId, { type, state_key: stateKey, sender, content }).event_id;
}

/** The state of the room as the user may read it: current, or as it was when they left. */
export function getState(deps: RoomDeps, viewer: Viewer, roomId: string): ClientEvent[] {
  const point = deps.access.readPoint(viewer.user_id, roomId);
  return deps.clientEvents.serializeAll(deps.state.stateAt(roomId, point.state_group), viewer);
}

export function getStateEvent(deps: RoomDeps, viewer: Viewer, roomId: string, type: string, stateKey: string, format: "content" | "event" = "content") {
  const point = deps.access.readPoint(viewer.user_id, roomId);
  const row = deps.state.entryAt(roomId, point.state_group, type, stateKey);
  if (!row) throw notFound(`The room has no ${type} state with key ${JSON.stringify(stateKey)}`);
  const event = deps.clientEvents.serialize(row, viewer);
  return format === "event" ? event : event.content;
}
