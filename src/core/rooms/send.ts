/**
 * PUT /rooms/{roomId}/send/{eventType}/{txnId}. The transaction id is checked and recorded in
 * the same transaction as the append, so a retry (even after a restart) returns the first
 * event and never stores a second one.
 * https://spec.matrix.org/v1.19/client-server-api/#put_matrixclientv3roomsroomidsendeventtypetxnid
 */
import { MatrixError } from "../../errors.ts";
import { EventType } from "../../matrix/event-types.ts";
import type { EventContent } from "../../matrix/pdu.ts";
import { requireKnownRoom } from "./membership/resolve-room.ts";
import type { RoomDeps } from "./room-deps.ts";
import type { Append } from "./room-engine.ts";
import type { Viewer } from "../requester.ts";
import { appendRedaction } from "./redact.ts";
import { checkNewRelation } from "./relation-checks.ts";
import { appendInTransaction, TransactionScope } from "./transaction-scopes.ts";

export function sendEvent(
  deps: RoomDeps,
  requester: Viewer,
  roomId: string,
  type: string,
  txnId: string,
  content: EventContent,
): Promise<{ event_id: string }> {
  return appendInTransaction(deps, requester, TransactionScope.send(roomId, type), txnId, (append) =>
    appendMessageEvent(deps, append, requester, roomId, type, content, txnId),
  );
}

/**
 * Appends a message event as PUT /send does, inside an open `engine.write`; without a
 * transaction id for events the server sends on a client's behalf (delayed events).
 */
export function appendMessageEvent(
  deps: RoomDeps,
  append: Append,
  requester: Viewer,
  roomId: string,
  type: string,
  content: EventContent,
  txnId?: string,
): string {
  requireKnownRoom(deps, roomId, requester.user_id);
  if (type === EventType.RoomRedaction) {
    // A redaction sent as a message is applied like one sent to /redact (v11 puts `redacts` in content).
    if (typeof content.redacts !== "string")
      throw new MatrixError("M_BAD_JSON", "A redaction needs `redacts` in its content, or use /redact");
    const reason = typeof content.reason === "string" ? content.reason : undefined;
    return appendRedaction(deps, append, requester, roomId, content.redacts, reason, txnId);
  }
  checkNewRelation(deps.stores, requester.user_id, type, content);
  const txn = txnId === undefined ? {} : { txn: { device_id: requester.device_id, txn_id: txnId } };
  return append(roomId, { type, sender: requester.user_id, content }, txn).event_id;
}
