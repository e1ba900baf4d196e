/**
 * The persistent data unit: the full, signed form of a room event.
 * https://spec.matrix.org/v1.19/server-server-api/#pdus and the room version pages.
 *
 * Room versions 1–2 carry `event_id` in the PDU and `[event_id, hashes]` pairs in
 * `auth_events`/`prev_events`; version 3+ derive the id from the reference hash and list
 * plain ids. Version 12 create events have no `room_id` (it is derived from the event).
 */
import type { JsonValue } from "./canonical-json.ts";

export type EventContent = Record<string, JsonValue>;

export type EventReference = string | [string, { sha256: string }];

export interface Pdu {
  /** Only in room versions 1 and 2. */
  event_id?: string;
  /** Absent only from the create event of room version 12. */
  room_id?: string;
  sender: string;
  type: string;
  state_key?: string;
  content: EventContent;
  origin_server_ts: number;
  /** Present in v1–v2 (and tolerated elsewhere); not part of the v11+ redaction keep-list. */
  origin?: string;
  depth: number;
  prev_events: EventReference[];
  auth_events: EventReference[];
  /** Top-level only before v11; v11+ put it in content. */
  redacts?: string;
  hashes: { sha256: string };
  signatures: Record<string, Record<string, string>>;
  unsigned?: Record<string, JsonValue>;
}

/** A PDU together with its id, as the rest of the server handles it. */
export interface StoredEvent {
  event_id: string;
  pdu: Pdu;
}

/** The key of a state entry: type and state_key. */
export function stateKeyOf(type: string, stateKey: string): string {
  return `${type}\u0000${stateKey}`;
}

export function referenceId(reference: EventReference): string {
  return typeof reference === "string" ? reference : reference[0];
}
