/**
 * PUT /rooms/{roomId}/state/{eventType}/{stateKey}.
 * https://spec.matrix.org/v1.19/client-server-api/#put_matrixclientv3roomsroomidstateeventtypestatekey
 */
import { canonicalJson } from "../../matrix/canonical-json.ts";
import { EventType } from "../../matrix/event-types.ts";
import type { EventContent } from "../../matrix/pdu.ts";
import { checkCanonicalAlias } from "./aliases.ts";
import { requireKnownRoom } from "./membership/resolve-room.ts";
import type { RoomDeps } from "./room-deps.ts";
import type { Append } from "./room-engine.ts";

export function setState(
  deps: RoomDeps,
  sender: string,
  roomId: string,
  type: string,
  stateKey: string,
  content: EventContent,
): Promise<{ event_id: string }> {
  requireKnownRoom(deps, roomId, sender);
  return deps.engine.write(({ append }) => ({
    event_id: appendStateEvent(deps, append, sender, roomId, type, stateKey, content),
  }));
}

/** Sets a state event as PUT /state does, inside an open `engine.write`; returns its event id. */
export function appendStateEvent(
  deps: RoomDeps,
  append: Append,
  sender: string,
  roomId: string,
  type: string,
  stateKey: string,
  content: EventContent,
): string {
  requireKnownRoom(deps, roomId, sender);
  const current = deps.engine.currentStateEvent(roomId, type, stateKey);
  // Setting the same content again changes nothing, so no event is sent (Synapse does likewise).
  if (current && current.pdu.sender === sender && canonicalJson(current.pdu.content) === canonicalJson(content))
    return current.event_id;
  if (type === EventType.RoomCanonicalAlias) checkCanonicalAlias(deps, roomId, content, current?.pdu.content);
  return append(roomId, { type, state_key: stateKey, sender, content }).event_id;
}
