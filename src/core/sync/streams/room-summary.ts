/**
 * What a client shows of a room before it has its members: the summary of a joined room
 * (member counts and, for rooms without a name or alias, the heroes it is named after), and
 * the stripped state of a room the user is invited to or knocked on.
 * https://spec.matrix.org/v1.19/client-server-api/#get_matrixclientv3sync (RoomSummary)
 * https://spec.matrix.org/v1.19/client-server-api/#stripped-state
 */
import { EventType } from "../../../matrix/event-types.ts";
import type { Pdu } from "../../../matrix/pdu.ts";
import type { Stores } from "../../../storage/index.ts";
import type { RoomSummary, SyncEvent } from "../sync-response.ts";

const HEROES = 5;

/** The state a user invited or knocking sees (the spec's recommended list, plus the topic, as Synapse sends). */
const STRIPPED_STATE_TYPES = [
  EventType.RoomCreate,
  EventType.RoomJoinRules,
  EventType.RoomName,
  EventType.RoomAvatar,
  EventType.RoomCanonicalAlias,
  EventType.RoomEncryption,
  EventType.RoomTopic,
];

type SummaryStores = Pick<Stores, "memberships" | "roomState">;

function hasNameOrAlias(stores: SummaryStores, roomId: string): boolean {
  return stores.roomState
    .selectCurrentEventsOfTypes(roomId, [EventType.RoomName, EventType.RoomCanonicalAlias])
    .some((row) => {
      const content = (JSON.parse(row.json) as Pdu).content;
      const value = row.type === EventType.RoomName ? content.name : content.alias;
      return typeof value === "string" && value !== "";
    });
}

export function roomSummary(stores: SummaryStores, roomId: string, userId: string): RoomSummary {
  const summary: RoomSummary = {
    "m.joined_member_count": stores.memberships.countMembers(roomId, "join"),
    "m.invited_member_count": stores.memberships.countMembers(roomId, "invite"),
  };
  if (!hasNameOrAlias(stores, roomId)) {
    const present = stores.memberships.selectHeroes(roomId, userId, ["join", "invite"], HEROES);
    summary["m.heroes"] =
      present.length > 0 ? present : stores.memberships.selectHeroes(roomId, userId, ["leave", "ban"], HEROES);
  }
  return summary;
}

/** Stripped state events of the room, with the member event of whoever invited the user (for their name). */
export function strippedState(
  stores: Pick<Stores, "roomState">,
  roomId: string,
  inviter: string | undefined,
): SyncEvent[] {
  const pdus = stores.roomState
    .selectCurrentEventsOfTypes(roomId, STRIPPED_STATE_TYPES)
    .map((row) => JSON.parse(row.json) as Pdu);
  const inviterMember =
    inviter === undefined ? undefined : stores.roomState.selectCurrentEvent(roomId, EventType.RoomMember, inviter);
  if (inviterMember) pdus.push(JSON.parse(inviterMember.json) as Pdu);
  return pdus.map((pdu) => ({
    type: pdu.type,
    state_key: pdu.state_key ?? "",
    sender: pdu.sender,
    content: pdu.content,
  }));
}
