/**
 * Which application services an event concerns. An appservice is interested in an event
 * when its sender, or the user its state_key names, is in the appservice's user namespaces;
 * when the room id is in its room namespaces; when the room has an alias in its alias
 * namespaces; or when one of its users is a joined member of the room.
 * https://spec.matrix.org/v1.19/application-service-api/#registration
 *
 * The member rule would read a room's whole member list for every event, so its answer is
 * kept per room and dropped when a member event arrives in the room, when the registrations
 * change, or when another process (the CLI) committed anything.
 */
import { EventType } from "../../matrix/event-types.ts";
import type { AppendedEvent } from "../rooms/appended-event.ts";
import type { AppserviceEventSource } from "./event-source.ts";
import type { Appservice } from "./namespaces.ts";

export function createRoomInterest(source: Pick<AppserviceEventSource, "joinedMembers" | "joinedRooms" | "aliasesOf">) {
  /** Room id → ids of the appservices with a joined member in the room. */
  const viaMembers = new Map<string, Set<string>>();
  const MAX_ROOMS = 50_000;

  function membersOf(appservices: readonly Appservice[], roomId: string): Set<string> {
    let ids = viaMembers.get(roomId);
    if (!ids) {
      const members = source.joinedMembers(roomId);
      ids = new Set(
        appservices
          .filter((appservice) => members.some((userId) => appservice.isInterestedInUser(userId)))
          .map((appservice) => appservice.id),
      );
      if (viaMembers.size >= MAX_ROOMS) viaMembers.clear();
      viaMembers.set(roomId, ids);
    }
    return ids;
  }

  /** The appservices among `appservices` interested in everything that happens in the room. */
  function interestedInRoom(appservices: readonly Appservice[], roomId: string): Appservice[] {
    const members = membersOf(appservices, roomId);
    let aliases: string[] | undefined;
    return appservices.filter((appservice) => {
      if (members.has(appservice.id) || appservice.isInterestedInRoomId(roomId)) return true;
      aliases ??= source.aliasesOf(roomId);
      return aliases.some((alias) => appservice.isInterestedInAlias(alias));
    });
  }

  return {
    interestedInRoom,

    /** `appservices` must be the same list (the registry's) from call to call until `clear`. */
    interestedInEvent(
      appservices: readonly Appservice[],
      event: Pick<AppendedEvent, "room_id" | "type" | "state_key" | "sender">,
    ): Appservice[] {
      // The member list changed with this event (it is stored already): read it again.
      if (event.state_key !== undefined && event.type === EventType.RoomMember) viaMembers.delete(event.room_id);
      const byRoom = new Set(interestedInRoom(appservices, event.room_id));
      return appservices.filter(
        (appservice) =>
          byRoom.has(appservice) ||
          appservice.isInterestedInUser(event.sender) ||
          (event.state_key?.startsWith("@") === true && appservice.isInterestedInUser(event.state_key)),
      );
    },

    /** The appservice shares a room with `userId` through one of its users (device lists, presence). */
    sharesRoomWith(appservices: readonly Appservice[], appservice: Appservice, userId: string): boolean {
      return source.joinedRooms(userId).some((roomId) => membersOf(appservices, roomId).has(appservice.id));
    },

    clear(): void {
      viaMembers.clear();
    },
  };
}

export type RoomInterest = ReturnType<typeof createRoomInterest>;
