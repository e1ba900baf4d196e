/**
 * The client format of room events, used by every endpoint that returns events (and by
 * sync): the PDU without its federation keys, plus `unsigned` computed at read time,
 * including the bundled aggregations (`m.relations`, aggregations.ts), read for a whole
 * page at once.
 * https://spec.matrix.org/v1.19/client-server-api/#room-event-format
 */
import type { JsonValue } from "../../matrix/canonical-json.ts";
import { EventType } from "../../matrix/event-types.ts";
import type { EventContent, Pdu } from "../../matrix/pdu.ts";
import type { Stores } from "../../storage/index.ts";
import type { EventRow, TopologicalPosition } from "../../storage/events.ts";
import type { Clock } from "../clock.ts";
import type { Viewer } from "../requester.ts";
import { createAggregations, type Aggregation } from "./aggregations.ts";

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

/** unsigned["m.relations"]: https://spec.matrix.org/v1.19/client-server-api/#aggregations-of-child-events */
export interface BundledRelations {
  "m.replace"?: ClientEvent;
  "m.thread"?: { latest_event: ClientEvent; count: number; current_user_participated: boolean };
  "m.reference"?: { chunk: { event_id: string }[] };
}

export type Unsigned = { [key: string]: JsonValue | ClientEvent | BundledRelations };

/** The reader's view of one room, as `visibility.forUser` gives it. */
export interface RoomReader {
  visible(row: EventRow): boolean;
  /** The reader's membership after the event ("leave" when they had none). */
  membershipAt(row: EventRow): string;
}

/**
 * How a page is served. Without a reader, events get no unsigned.membership and the
 * children named by aggregations are not checked against history visibility.
 */
export interface ServeOptions {
  /** The reader in the page's room: fills unsigned.membership (spec v1.11) and hides invisible children. */
  reader?: RoomReader | undefined;
  /** The reader's last readable position in the room; later children are left out of aggregations. */
  until?: TopologicalPosition | undefined;
  /** Bundle m.relations (default true; sync bundles only in limited timelines). */
  aggregations?: boolean | undefined;
}

/** Thread latest events get their own aggregations (their edits); what those name do not. */
const MAX_BUNDLE_LEVEL = 2;

export function createClientEvents(stores: Pick<Stores, "events" | "relations" | "accountData">, clock: Clock) {
  const aggregations = createAggregations(stores);

  function transactionIdFor(row: EventRow, viewer: Viewer | undefined): string | undefined {
    if (!viewer || row.txn_id === null || row.sender !== viewer.user_id || row.txn_device_id !== viewer.device_id)
      return undefined;
    return row.txn_id;
  }

  /** One event, without aggregations. */
  function serializeEvent(
    row: EventRow,
    viewer: Viewer | undefined,
    reader: RoomReader | undefined,
    withRedactedBecause = true,
  ): ClientEvent {
    const pdu = JSON.parse(row.json) as Pdu;
    const unsigned: Unsigned = { age: Math.max(0, clock.now() - pdu.origin_server_ts) };
    const transactionId = transactionIdFor(row, viewer);
    if (transactionId !== undefined) unsigned.transaction_id = transactionId;
    if (reader) unsigned.membership = reader.membershipAt(row);
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
      if (redaction) unsigned.redacted_because = serializeEvent(redaction, viewer, reader, false);
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

  function bundled(
    aggregation: Aggregation,
    viewer: Viewer | undefined,
    options: ServeOptions,
    latest: Map<string, ClientEvent>,
  ): BundledRelations {
    const relations: BundledRelations = {};
    if (aggregation.replace) relations["m.replace"] = serializeEvent(aggregation.replace, viewer, options.reader);
    if (aggregation.thread) {
      const { latest: row, count, current_user_participated } = aggregation.thread;
      relations["m.thread"] = { latest_event: latest.get(row.event_id)!, count, current_user_participated };
    }
    if (aggregation.references)
      relations["m.reference"] = { chunk: aggregation.references.map((event_id) => ({ event_id })) };
    return relations;
  }

  function serializePage(
    rows: readonly EventRow[],
    viewer: Viewer | undefined,
    options: ServeOptions,
    level: number,
  ): ClientEvent[] {
    const events = rows.map((row) => serializeEvent(row, viewer, options.reader));
    if (options.aggregations === false || level >= MAX_BUNDLE_LEVEL || rows.length === 0) return events;
    const found = aggregations.aggregate(rows, {
      userId: viewer?.user_id,
      until: options.until,
      visible: options.reader?.visible,
    });
    if (found.size === 0) return events;
    // The latest events of all threads on the page are serialized (and aggregated) as one page.
    const latestRows = [...found.values()].flatMap((aggregation) =>
      aggregation.thread ? [aggregation.thread.latest] : [],
    );
    const latestEvents = serializePage(latestRows, viewer, options, level + 1);
    const latest = new Map(latestEvents.map((event) => [event.event_id, event]));
    for (const event of events) {
      const aggregation = found.get(event.event_id);
      if (aggregation) event.unsigned["m.relations"] = bundled(aggregation, viewer, options, latest);
    }
    return events;
  }

  return {
    serialize: (row: EventRow, viewer?: Viewer, options: ServeOptions = {}) =>
      serializePage([row], viewer, options, 0)[0]!,
    /** A page of events, its aggregations read in a few queries for the whole page. */
    serializeAll: (rows: readonly EventRow[], viewer?: Viewer, options: ServeOptions = {}) =>
      serializePage(rows, viewer, options, 0),
  };
}

export type ClientEvents = ReturnType<typeof createClientEvents>;
