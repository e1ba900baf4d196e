/**
 * PUT /rooms/{roomId}/send/{eventType}/{txnId}. The transaction id is checked and recorded in
 * the same transaction as the append, so a retry (even after a restart) returns the first
 * event and never stores a second one.
 * https://spec.matrix.org/v1.19/client-server-api/#put_matrixclientv3roomsroomidsendeventtypetxnid
 */
import { MatrixError } from "../../errors.ts";
import { EventType } from "../../matrix/event-types.ts";
import type { EventContent } from "../../matrix/pdu.ts";
import { requireKnownRoom } from "../rooms/membership/resolve-room.ts";
import type { RoomDeps } from "../rooms/room-deps.ts";
import type { Viewer } from "./client-event.ts";
import { appendRedaction } from "./redact.ts";
import { checkNewRelation } from "./relation-checks.ts";

export function sendEvent(deps: RoomDeps, requester: Viewer, roomId: string, type: string, txnId: string, content: EventContent): Promise<{ event_id: string }> {
  const scope = `send\u0000${roomId}\u0000${type}`;
  return deps.engine.write(({ append }) => {
    const existing = deps.stores.transactionIds.selectEventId(requester.user_id, requester.device_id, scope, txnId);
    if (existing !== undefined) return { event_id: existing };
    requireKnownRoom(deps, roomId, requester.user_id);
    let event_id: string;
    if (type === EventType.RoomRedaction) {
      // A redaction sent as a message is applied like one sent to /redact (v11 puts `redacts` in content).
      if (typeof content.redacts !== "string") throw new MatrixError("M_BAD_JSON", "A redaction needs `redacts` in its content, or use /redact");
      const reason = typeof content.reason === "string" ? content.reason : undefined;
      event_id = appendRedaction(deps, append, requester, roomId, content.redacts, reason, txnId);
    } else {
      checkNewRelation(deps.stores, requester.user_id, type, content);
      event_id = append(roomId, { type, sender: requester.user_id, content }, { txn: { device_id: requester.device_id, txn_id: txnId } }).event_id;
    }
    deps.stores.transactionIds.insertTransactionId(requester.user_id, requester.device_id, scope, txnId, event_id, deps.clock.now());
    return { event_id };
  });
}
