/**
 * The client format of room events, used by every endpoint that returns events (and by
 * sync): the PDU without its federation keys, plus `unsigned` computed at read time.
 * https://spec.matrix.org/v1.19/client-server-api/#room-event-format
 */
import type { JsonValue } from "../../matrix/canonical-json.ts";
import { EventType } from "../../matrix/event-types.ts";
import type { EventContent, Pdu } from "../../matrix/pdu.ts";
import type { Stores } from "../../storage/index.ts";
import type { EventRow } from "../../storage/events.ts";
import type { Clock } from "../clock.ts";

export type ClientEvent = {
  content: EventContent;
  event_id: string;
  origin_server_ts: number;
  room_id: string;
  sender: string;
  type: string;
  state_key?: string;
  redacts?: string;
  unsigned: Unsigned;
};

export type Unsigned = { [key: string]: JsonValue | ClientEvent };

/** Who is reading: `unsigned.transaction_id` goes only to the device that sent the event. */
export interface Viewer {
  user_id: string;
  device_id: string;
}

export function createClientEvents(stores: Pick<Stores, "events">, clock: Clock) {
  function transactionIdFor(row: EventRow, viewer: Viewer | undefined): string | undefined {
    if (!viewer || row.txn_id === null || row.sender !== viewer.user_id || row.txn_device_id !== viewer.device_id) return undefined;
    return row.txn_id;
  }

  function serialize(row: EventRow, viewer: Viewer | undefined, withRedactedBecause = true): ClientEvent {
    const pdu = JSON.parse(row.json) as Pdu;
    const unsigned: Unsigned = { age: Math.max(0, clock.now() - pdu.origin_server_ts) };
    const transactionId = transactionIdFor(row, viewer);
    if (transactionId !== undefined) unsigned.transaction_id = transactionId;
    if (row.replaces_state !== null) {
      const replaced = stores.events.selectEvent(row.replaces_state);
      if (replaced) {
        const replacedPdu = JSON.parse(replaced.json) as Pdu;
        unsigned.replaces_state = replaced.event_id;
        unsigned.prev_content = replacedPdu.content;
        unsigned.prev_sender = replacedPdu.sender;
      }
    }
    if (row.redacted_by !== null && withRedactedBecause) {
      const redaction = stores.events.selectEvent(row.redacted_by);
      if (redaction) unsigned.redacted_because = serialize(redaction, viewer, false);
    }
    const event: ClientEvent = {
      content: pdu.content,
      event_id: row.event_id,
      origin_server_ts: pdu.origin_server_ts,
      room_id: row.room_id,
      sender: pdu.sender,
      type: pdu.type,
      unsigned,
    };
    if (pdu.state_key !== undefined) event.state_key = pdu.state_key;
    if (pdu.type === EventType.RoomRedaction) {
      // v11 moved `redacts` into content; clients of older versions read it at the top level.
      const redacts = pdu.redacts ?? pdu.content.redacts;
      if (typeof redacts === "string") event.redacts = redacts;
    }
    return event;
  }

  return {
    serialize: (row: EventRow, viewer?: Viewer) => serialize(row, viewer),
    serializeAll: (rows: readonly EventRow[], viewer?: Viewer) => rows.map((row) => serialize(row, viewer)),
  };
}

export type ClientEvents = ReturnType<typeof createClientEvents>;
