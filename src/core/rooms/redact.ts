/**
 * PUT /rooms/{roomId}/redact/{eventId}/{txnId}. The redaction is appended like any event
 * (the auth rules check the m.room.redaction level) and then applied in the same
 * transaction: the target's stored JSON becomes its redacted form, which is what every
 * read serves from then on, with unsigned.redacted_because.
 * https://spec.matrix.org/v1.19/client-server-api/#redactions
 */
import { forbidden, notFound } from "../../errors.ts";
import { EventType } from "../../matrix/event-types.ts";
import type { EventContent, Pdu } from "../../matrix/pdu.ts";
import { redactPdu } from "../../matrix/redaction.ts";
import { RelType } from "../../matrix/relations.ts";
import type { RoomDeps } from "./room-deps.ts";
import { roomPower } from "./room-power.ts";
import type { Append } from "./room-engine.ts";
import { appendInTransaction, TransactionScope } from "./transaction-scopes.ts";
import type { Viewer } from "../requester.ts";
import { requireKnownRoom } from "./membership/resolve-room.ts";

export function redactEvent(
  deps: RoomDeps,
  requester: Viewer,
  roomId: string,
  eventId: string,
  txnId: string,
  reason?: string,
): Promise<{ event_id: string }> {
  return appendInTransaction(deps, requester, TransactionScope.redact(roomId, eventId), txnId, (append) =>
    appendRedaction(deps, append, requester, roomId, eventId, reason, txnId),
  );
}

/** Appends and applies a redaction; must run inside `engine.write`. */
export function appendRedaction(
  deps: RoomDeps,
  append: Append,
  requester: Viewer,
  roomId: string,
  eventId: string,
  reason: string | undefined,
  txnId: string | undefined,
): string {
  const sender = requester.user_id;
  requireKnownRoom(deps, roomId, sender);
  const target = deps.stores.events.selectEvent(eventId);
  if (!target || target.room_id !== roomId) throw notFound("Event not found");
  const power = roomPower(deps.engine, deps.stores, roomId);
  // Redacting someone else's event also needs the redact level. From room version 3 the auth
  // rules leave this check to the server that applies the redaction.
  if (power && target.sender !== sender && power.userLevel(sender) < power.named("redact")) {
    throw forbidden("Redacting events of other users needs the redact power level");
  }
  const version = power?.version;
  const content: EventContent = reason === undefined ? {} : { reason };
  if (version?.redactsInContent) content.redacts = eventId;
  const txn = txnId === undefined ? {} : { txn: { device_id: requester.device_id, txn_id: txnId } };
  const redaction = append(roomId, { type: EventType.RoomRedaction, sender, content, redacts: eventId }, txn);
  if (version) {
    const redacted = redactPdu(JSON.parse(target.json) as Pdu, version);
    if (deps.stores.events.updateRedacted(eventId, JSON.stringify(redacted), redaction.event_id)) {
      deps.engine.forgetParsed(eventId);
      if (target.type === EventType.RoomMember) deps.stores.memberships.clearProfile(eventId);
      // The relation is broken: the event leaves aggregations, /relations and its thread's count.
      const relation = deps.stores.relations.deleteRelation(eventId);
      if (relation?.rel_type === RelType.Thread) deps.stores.relations.refreshThread(relation.relates_to_id);
    }
  }
  return redaction.event_id;
}
