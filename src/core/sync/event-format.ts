/**
 * Room events as /sync returns them: each room's events serialized as one page by the one
 * client-format serializer (with the reader's unsigned.membership, and bundled aggregations
 * where asked: in limited timelines), without room_id (the room is the key they sit under);
 * or with `event_format: federation` the PDU as stored plus the same `unsigned`; then the
 * filter's event_fields projection.
 * https://spec.matrix.org/v1.19/client-server-api/#filtering
 */
import type { Pdu } from "../../matrix/pdu.ts";
import type { EventRow } from "../../storage/events.ts";
import type { ClientEvents, ServeOptions } from "../timeline/client-event.ts";
import type { Viewer } from "../requester.ts";
import { projectEventFields, type SyncFilter } from "./sync-filter.ts";
import type { SyncEvent } from "./sync-response.ts";

export type FormatEvents = (
  rows: readonly EventRow[],
  viewer: Viewer,
  filter: SyncFilter,
  options?: ServeOptions,
) => SyncEvent[];

export function createEventFormat(clientEvents: Pick<ClientEvents, "serializeAll">): FormatEvents {
  return (rows, viewer, filter, options = {}) =>
    clientEvents.serializeAll(rows, viewer, options).map(({ room_id: _roomId, ...client }, i) => {
      const event: SyncEvent =
        filter.event_format === "federation"
          ? { ...(JSON.parse(rows[i]!.json) as Pdu), unsigned: client.unsigned }
          : client;
      return filter.event_fields === undefined ? event : projectEventFields(event, filter.event_fields);
    });
}
