/** Rooms as the appservice queue sees them (event-source.ts). */
import type { Stores } from "../../storage/index.ts";
import type { ClientEvents } from "../timeline/client-event.ts";
import type { AppserviceEventSource } from "./event-source.ts";

export function roomEventSource(
  stores: Pick<Stores, "events" | "memberships" | "aliases">,
  clientEvents: Pick<ClientEvents, "serialize">,
): AppserviceEventSource {
  return {
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
