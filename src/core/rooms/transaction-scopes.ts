/**
 * The endpoint part of a client transaction. A txnId is unique per device and endpoint
 * (spec: "transaction identifiers"), so the same txnId sent to /send and to /redact names two
 * transactions; the scope is the endpoint with the path parameters that identify it. Decided
 * here once for every endpoint that takes a txnId, immediate or delayed.
 * https://spec.matrix.org/v1.19/client-server-api/#transaction-identifiers
 */
export const TransactionScope = {
  send: (roomId: string, type: string) => `send\u0000${roomId}\u0000${type}`,
  redact: (roomId: string, eventId: string) => `redact\u0000${roomId}\u0000${eventId}`,
  /** MSC4140's PUT /rooms/{roomId}/delayed_event/{eventType}/{txnId}. */
  delayedEvent: (roomId: string, type: string) => `delayed_event\u0000${roomId}\u0000${type}`,
} as const;
