/**
 * Which application services an event concerns. An appservice is interested in an event
 * when its sender, or the user its state_key names, is in the appservice's user namespaces;
 * when the room id is in its room namespaces; when the room has an alias in its alias
 * namespaces; or when one of its users is a member of the room.
 * https://spec.matrix.org/v1.19/application-service-api/#registration
 */
import type { AppserviceEventSource, SourceEvent } from "./event-source.ts";
import type { Appservice } from "./namespaces.ts";

/** Members and aliases of rooms, read once per room while one batch of events is routed. */
export function createRoomFacts(source: Pick<AppserviceEventSource, "joinedMembers" | "aliasesOf">) {
  const members = new Map<string, string[]>();
  const aliases = new Map<string, string[]>();
  return {
    members(roomId: string): string[] {
      let list = members.get(roomId);
      if (!list) members.set(roomId, (list = source.joinedMembers(roomId)));
      return list;
    },
    aliases(roomId: string): string[] {
      let list = aliases.get(roomId);
      if (!list) aliases.set(roomId, (list = source.aliasesOf(roomId)));
      return list;
    },
    /** After a membership or alias change in the room. */
    forget(roomId: string): void {
      members.delete(roomId);
      aliases.delete(roomId);
    },
  };
}

export type RoomFacts = ReturnType<typeof createRoomFacts>;

/** The appservice is interested in everything that happens in the room (room id, alias or a member). */
export function isInterestedInRoom(appservice: Appservice, roomId: string, facts: RoomFacts): boolean {
  return (
    appservice.isInterestedInRoomId(roomId) ||
    facts.aliases(roomId).some((alias) => appservice.isInterestedInAlias(alias)) ||
    facts.members(roomId).some((userId) => appservice.isInterestedInUser(userId))
  );
}

export function isInterestedInEvent(appservice: Appservice, event: SourceEvent, facts: RoomFacts): boolean {
  if (appservice.isInterestedInUser(event.sender)) return true;
  if (event.state_key?.startsWith("@") && appservice.isInterestedInUser(event.state_key)) return true;
  return isInterestedInRoom(appservice, event.room_id, facts);
}

/** The appservice shares a room with `userId` through one of its users (device lists, presence). */
export function sharesRoomWith(appservice: Appservice, userId: string, source: Pick<AppserviceEventSource, "joinedRooms">, facts: RoomFacts): boolean {
  return source.joinedRooms(userId).some((roomId) => facts.members(roomId).some((member) => appservice.isInterestedInUser(member)));
}
