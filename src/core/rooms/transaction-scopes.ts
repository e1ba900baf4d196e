/**
 * The endpoint part of a client transaction. A txnId is unique per device and endpoint
 * (spec: "transaction identifiers"), so the same txnId sent to /send and to /redact names two
 * transactions; the scope is the endpoint with the path parameters that identify it. Decided
 * here once for every endpoint that takes a txnId, immediate or delayed.
 * https://spec.matrix.org/v1.19/client-server-api/#transaction-identifiers
 */
import type { Viewer } from "../requester.ts";
import type { RoomDeps } from "./room-deps.ts";
import type { Append } from "./room-engine.ts";

export const TransactionScope = {
  send: (roomId: string, type: string) => `send\u0000${roomId}\u0000${type}`,
  redact: (roomId: string, eventId: string) => `redact\u0000${roomId}\u0000${eventId}`,
  /** MSC4140's PUT /rooms/{roomId}/delayed_event/{eventType}/{txnId}. */
  delayedEvent: (roomId: string, type: string) => `delayed_event\u0000${roomId}\u0000${type}`,
} as const;

/**
 * Runs `appendOnce` in one `engine.write` unless this device already used `txnId` in `scope`:
 * the transaction id is checked and recorded in the same transaction as the append, so a
 * retry (even after a restart) answers the first event and never stores a second one.
 */
export function appendInTransaction(
  deps: Pick<RoomDeps, "engine" | "stores" | "clock">,
  requester: Viewer,
  scope: string,
  txnId: string,
  appendOnce: (append: Append) => string,
): Promise<{ event_id: string }> {
  return deps.engine.write(({ append }) => {
    const { user_id, device_id } = requester;
    const existing = deps.stores.transactionIds.selectEventId(user_id, device_id, scope, txnId);
    if (existing !== undefined) return { event_id: existing };
    const event_id = appendOnce(append);
    deps.stores.transactionIds.insertTransactionId(user_id, device_id, scope, txnId, event_id, deps.clock.now());
    return { event_id };
  });
}
