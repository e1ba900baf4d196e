/**
 * What the published room directory and the room summary say about a room, read from a few
 * current state events: the fields of the spec's PublishedRoomsChunk plus the summary's
 * room_version, encryption and allowed_room_ids. Pure: the caller reads the state.
 * https://spec.matrix.org/v1.19/client-server-api/#get_matrixclientv3publicrooms
 */
import { isJsonObject, type JsonValue } from "../../matrix/canonical-json.ts";
import { EventType } from "../../matrix/event-types.ts";
import type { EventContent } from "../../matrix/pdu.ts";
import { roomVersion } from "../../matrix/room-versions.ts";
import { HistoryVisibility } from "../timeline/visibility.ts";

/** The state events (state key "") a description reads. */
export const DESCRIBING_STATE: readonly string[] = [
  EventType.RoomCreate,
  EventType.RoomName,
  EventType.RoomTopic,
  EventType.RoomAvatar,
  EventType.RoomCanonicalAlias,
  EventType.RoomJoinRules,
  EventType.RoomHistoryVisibility,
  EventType.RoomGuestAccess,
  EventType.RoomEncryption,
];

export interface PublishedRoom {
  room_id: string;
  num_joined_members: number;
  world_readable: boolean;
  guest_can_join: boolean;
  name?: string;
  topic?: string;
  avatar_url?: string;
  canonical_alias?: string;
  join_rule?: string;
  room_type?: string;
}

export interface RoomDescription extends PublishedRoom {
  room_version: string;
  encryption?: string;
  allowed_room_ids?: string[];
}

const ROOM_MEMBERSHIP = "m.room_membership";

const text = (value: JsonValue | undefined) => (typeof value === "string" && value !== "" ? value : undefined);

/**
 * The plain-text topic: the text/plain representation of `m.topic` (a missing mimetype means
 * text/plain), else the legacy `topic` string. https://spec.matrix.org/v1.19/client-server-api/#mroomtopic
 */
function plainTopic(content: EventContent | undefined): string | undefined {
  const block = content?.["m.topic"];
  const representations = isJsonObject(block) && Array.isArray(block["m.text"]) ? block["m.text"] : [];
  for (const representation of representations) {
    if (!isJsonObject(representation) || typeof representation.body !== "string") continue;
    if (representation.mimetype === undefined || representation.mimetype === "text/plain") return representation.body;
  }
  return text(content?.topic);
}

/** Describes a room from its current state contents, keyed by event type. */
export function describeRoom(
  roomId: string,
  joinedMembers: number,
  state: ReadonlyMap<string, EventContent>,
): RoomDescription {
  const create = state.get(EventType.RoomCreate);
  const joinRules = state.get(EventType.RoomJoinRules);
  const versionId = text(create?.room_version) ?? "1";
  const version = roomVersion(versionId);
  const joinRule = text(joinRules?.join_rule);
  const description: RoomDescription = {
    room_id: roomId,
    num_joined_members: joinedMembers,
    world_readable: state.get(EventType.RoomHistoryVisibility)?.history_visibility === HistoryVisibility.WorldReadable,
    guest_can_join: state.get(EventType.RoomGuestAccess)?.guest_access === "can_join",
    room_version: versionId,
  };
  const name = text(state.get(EventType.RoomName)?.name);
  const topic = plainTopic(state.get(EventType.RoomTopic));
  const avatar = text(state.get(EventType.RoomAvatar)?.url);
  const alias = text(state.get(EventType.RoomCanonicalAlias)?.alias);
  const roomType = text(create?.type);
  const encryption = text(state.get(EventType.RoomEncryption)?.algorithm);
  if (name !== undefined) description.name = name;
  if (topic !== undefined) description.topic = topic;
  if (avatar !== undefined) description.avatar_url = avatar;
  if (alias !== undefined) description.canonical_alias = alias;
  if (joinRule !== undefined) description.join_rule = joinRule;
  if (roomType !== undefined) description.room_type = roomType;
  if (encryption !== undefined) description.encryption = encryption;
  const restricted =
    (version?.restrictedJoinRule && joinRule === "restricted") ||
    (version?.knockRestrictedJoinRule && joinRule === "knock_restricted");
  if (restricted) description.allowed_room_ids = allowedRoomIds(joinRules);
  return description;
}

/** The rooms whose members a restricted join rule admits. */
export function allowedRoomIds(joinRules: EventContent | undefined): string[] {
  const allow = Array.isArray(joinRules?.allow) ? joinRules.allow : [];
  return allow
    .filter(isJsonObject)
    .flatMap((entry) => (entry.type === ROOM_MEMBERSHIP && typeof entry.room_id === "string" ? [entry.room_id] : []));
}

/**
 * Whether anyone may find and preview the room, unauthenticated too: join rule public, knock
 * or knock_restricted (where the version has them), or world_readable history. The room
 * summary's rule for anonymous requests, and the filter on the published directory.
 */
export function isOpenToAnyone(room: RoomDescription): boolean {
  const version = roomVersion(room.room_version);
  return (
    room.world_readable ||
    room.join_rule === "public" ||
    (room.join_rule === "knock" && version?.knockJoinRule === true) ||
    (room.join_rule === "knock_restricted" && version?.knockRestrictedJoinRule === true)
  );
}

/** The published-room fields only (publicRooms does not carry the summary's extras). */
export function publishedRoom({
  room_version: _version,
  encryption: _encryption,
  allowed_room_ids: _allowed,
  ...chunk
}: RoomDescription): PublishedRoom {
  return chunk;
}
