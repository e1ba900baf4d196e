/**
 * Room events as /sync returns them: the client format without room_id (the room is the
 * key they sit under), or with `event_format: federation` the PDU as stored plus the same
 * `unsigned`; then the filter's event_fields projection.
 * https://spec.matrix.org/v1.19/client-server-api/#filtering
 */
import type { Pdu } from "../../matrix/pdu.ts";
import type { EventRow } from "../../storage/events.ts";
import type { ClientEvents, Viewer } from "../timeline/client-event.ts";
import { projectEventFields, type SyncFilter } from "./sync-filter.ts";
import type { SyncEvent } from "./sync-response.ts";

export type FormatEvents = (rows: readonly EventRow[], viewer: Viewer, filter: SyncFilter) => SyncEvent[];

export function createEventFormat(clientEvents: Pick<ClientEvents, "serialize">): FormatEvents {
  function formatOne(row: EventRow, viewer: Viewer, filter: SyncFilter): SyncEvent {
    const { room_id: _roomId, ...client } = clientEvents.serialize(row, viewer);
    const event: SyncEvent = filter.event_format === "federation" ? { ...(JSON.parse(row.json) as Pdu), unsigned: client.unsigned } : client;
    return filter.event_fields === undefined ? event : projectEventFields(event, filter.event_fields);
  }
  return (rows, viewer, filter) => rows.map((row) => formatOne(row, viewer, filter));
}
