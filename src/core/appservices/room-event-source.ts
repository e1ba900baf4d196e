/** The rooms engine as the appservice queue sees it (event-source.ts). */
import type { Stores } from "../../storage/index.ts";
import type { RoomEngine } from "../rooms/room-engine.ts";
import type { createClientEvents } from "../timeline/client-event.ts";
import type { AppserviceEventSource } from "./event-source.ts";

type ClientEvents = ReturnType<typeof createClientEvents>;

export function roomEventSource(
  stores: Pick<Stores, "events" | "memberships" | "aliases">,
  engine: Pick<RoomEngine, "onWithinAppend">,
  clientEvents: Pick<ClientEvents, "serialize">,
): AppserviceEventSource {
  return {
    onWithinAppend(listener) {
      engine.onWithinAppend((event) => listener({ event_id: event.event_id, room_id: event.room_id, type: event.pdu.type, state_key: event.pdu.state_key, sender: event.pdu.sender }));
    },
    clientEvent(eventId) {
      const row = stores.events.selectEvent(eventId);
      // No viewer: unsigned.transaction_id belongs to the sending client's own device. No
      // bundled aggregations: the spec lists them for client endpoints, not transactions.
      return row ? clientEvents.serialize(row, undefined, { aggregations: false }) : undefined;
    },
    joinedMembers: (roomId) => stores.memberships.selectMembersOfRoom(roomId, "join").map((row) => row.user_id),
    joinedRooms: (userId) => stores.memberships.selectRoomsOfUser(userId, "join").map((row) => row.room_id),
    aliasesOf: (roomId) => stores.aliases.selectAliasesByRoom(roomId).map((row) => row.alias),
  };
}
