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

function currentContent(stores: Pick<Stores, "roomState">, roomId: string, type: string, stateKey = ""): Pdu | undefined {
  const row = stores.roomState.selectCurrentEvent(roomId, type, stateKey);
  return row === undefined ? undefined : (JSON.parse(row.json) as Pdu);
}

function hasNameOrAlias(stores: SummaryStores, roomId: string): boolean {
  const name = currentContent(stores, roomId, EventType.RoomName)?.content.name;
  const alias = currentContent(stores, roomId, EventType.RoomCanonicalAlias)?.content.alias;
  return (typeof name === "string" && name !== "") || (typeof alias === "string" && alias !== "");
}

export function roomSummary(stores: SummaryStores, roomId: string, userId: string): RoomSummary {
  const summary: RoomSummary = {
    "m.joined_member_count": stores.memberships.countMembers(roomId, "join"),
    "m.invited_member_count": stores.memberships.countMembers(roomId, "invite"),
  };
  if (!hasNameOrAlias(stores, roomId)) {
    const present = stores.memberships.selectHeroes(roomId, userId, ["join", "invite"], HEROES);
    summary["m.heroes"] = present.length > 0 ? present : stores.memberships.selectHeroes(roomId, userId, ["leave", "ban"], HEROES);
  }
  return summary;
}

/** Stripped state events of the room, with the member event of whoever invited the user (for their name). */
export function strippedState(stores: Pick<Stores, "roomState">, roomId: string, inviter: string | undefined): SyncEvent[] {
  const events: SyncEvent[] = [];
  const keys = STRIPPED_STATE_TYPES.map((type) => [type, ""] as const);
  for (const [type, stateKey] of inviter === undefined ? keys : [...keys, [EventType.RoomMember, inviter] as const]) {
    const pdu = currentContent(stores, roomId, type, stateKey);
    if (pdu) events.push({ type: pdu.type, state_key: pdu.state_key ?? "", sender: pdu.sender, content: pdu.content });
  }
  return events;
}
