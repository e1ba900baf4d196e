/**
 * The published room directory of this server: a room's visibility in it, and the list
 * itself (GET/POST /publicRooms) with search, room type filter and pagination.
 * https://spec.matrix.org/v1.19/client-server-api/#published-room-directory
 */
import { forbidden, invalidParam, notFound } from "../../errors.ts";
import type { Pdu } from "../../matrix/pdu.ts";
import { LOCAL_LIST } from "../../storage/directory.ts";
import type { RoomDeps } from "./room-deps.ts";
import {
  DESCRIBING_STATE,
  describeRoom,
  isOpenToAnyone,
  publishedRoom,
  type PublishedRoom,
  type RoomDescription,
} from "./room-description.ts";
import { isServerAdmin, mayEditDirectoryEntries } from "./room-power.ts";

export type DirectoryVisibility = "public" | "private";

export interface PublicRoomsRequest {
  limit?: number;
  since?: string;
  server?: string;
  filter?: { generic_search_term?: string; room_types?: Array<string | null> };
  include_all_networks?: boolean;
  third_party_instance_id?: string;
}

export interface PublicRoomsResponse {
  chunk: PublishedRoom[];
  next_batch?: string;
  prev_batch?: string;
  total_room_count_estimate: number;
}

/** GET /directory/list/room/{roomId}: 404 for rooms this server does not know. */
export function directoryVisibility(deps: RoomDeps, roomId: string): { visibility: DirectoryVisibility } {
  if (!deps.stores.rooms.selectRoom(roomId)) throw notFound("Room not found");
  return { visibility: deps.stores.directory.isListed(roomId, LOCAL_LIST) ? "public" : "private" };
}

/**
 * PUT /directory/list/room/{roomId}. The spec leaves the permission to the server; as
 * Synapse, it takes a server admin or a joined member allowed to send m.room.canonical_alias.
 */
export async function setDirectoryVisibility(
  deps: RoomDeps,
  userId: string,
  roomId: string,
  visibility: DirectoryVisibility,
): Promise<void> {
  if (!deps.stores.rooms.selectRoom(roomId)) throw notFound("Room not found");
  if (!isServerAdmin(deps, userId) && !mayEditDirectoryEntries(deps, userId, roomId)) {
    throw forbidden(
      "Changing the room's directory listing takes a moderator of the room (power to send m.room.canonical_alias)",
    );
  }
  await deps.engine.write(() => {
    if (visibility === "public") deps.stores.directory.insertListing(roomId, LOCAL_LIST, deps.clock.now());
    else deps.stores.directory.deleteListing(roomId, LOCAL_LIST);
  });
}

/**
 * The listed rooms, largest first (then by room id), as pages of `limit`. Only rooms one can
 * join or peek into appear (join rule public, knock or knock_restricted, or world_readable),
 * the filter the spec allows and Synapse applies: a room made invite-only stays published but
 * unlisted. Tokens are positions in that order, so pages neither repeat nor skip rooms while
 * member counts stay put. Reading is one pass over the listed rooms' state and members.
 */
export function publicRooms(deps: RoomDeps, request: PublicRoomsRequest): PublicRoomsResponse {
  if (request.server !== undefined && request.server !== deps.serverName) {
    throw invalidParam(`This server cannot list the rooms of ${request.server}: it does not federate yet`);
  }
  if (request.include_all_networks && request.third_party_instance_id !== undefined) {
    throw invalidParam("include_all_networks cannot be combined with third_party_instance_id");
  }
  const instance = request.include_all_networks ? null : (request.third_party_instance_id ?? LOCAL_LIST);
  const rooms = listedRooms(deps, instance).filter(matches(request.filter)).sort(compare);
  const since = request.since === undefined ? undefined : parseToken(request.since);
  const limit = request.limit !== undefined && request.limit > 0 ? request.limit : rooms.length;
  let start = 0;
  let end = rooms.length;
  if (since?.direction === "p") {
    end = rooms.filter((room) => compare(room, since.key) < 0).length;
    start = Math.max(0, end - limit);
  } else {
    if (since) start = rooms.filter((room) => compare(room, since.key) <= 0).length;
    end = Math.min(rooms.length, start + limit);
  }
  const chunk = rooms.slice(start, end);
  const response: PublicRoomsResponse = { chunk: chunk.map(publishedRoom), total_room_count_estimate: rooms.length };
  const last = chunk.at(-1);
  // An empty page past the end still leads back, from where it was asked for.
  const first = chunk[0] ?? since?.key;
  if (last && end < rooms.length) response.next_batch = token("n", last);
  if (first && start > 0) response.prev_batch = token("p", first);
  return response;
}

function listedRooms(deps: RoomDeps, instance: string | null): RoomDescription[] {
  const state = new Map<string, Map<string, Pdu["content"]>>();
  for (const row of deps.stores.directory.selectListedState(instance, DESCRIBING_STATE)) {
    let contents = state.get(row.room_id);
    if (!contents) state.set(row.room_id, (contents = new Map()));
    contents.set(row.type, (JSON.parse(row.json) as Pdu).content);
  }
  return deps.stores.directory
    .selectListedRooms(instance)
    .map((row) => describeRoom(row.room_id, row.num_joined_members, state.get(row.room_id) ?? new Map()))
    .filter(isOpenToAnyone);
}

/** generic_search_term: a case-insensitive substring of the name, topic or canonical alias; room_types: null for rooms without a type. */
function matches(filter: PublicRoomsRequest["filter"]) {
  const term = filter?.generic_search_term?.trim().toLowerCase();
  const types = filter?.room_types;
  return (room: RoomDescription) => {
    if (types !== undefined && types.length > 0 && !types.includes(room.room_type ?? null)) return false;
    if (!term) return true;
    return [room.name, room.topic, room.canonical_alias].some((field) => field?.toLowerCase().includes(term));
  };
}

interface OrderKey {
  num_joined_members: number;
  room_id: string;
}

function compare(a: OrderKey, b: OrderKey): number {
  if (a.num_joined_members !== b.num_joined_members) return b.num_joined_members - a.num_joined_members;
  return a.room_id < b.room_id ? -1 : a.room_id > b.room_id ? 1 : 0;
}

/** `n<members>_<room id>` continues after that room, `p…` goes back before it. */
function token(direction: "n" | "p", room: OrderKey): string {
  return `${direction}${room.num_joined_members}_${room.room_id}`;
}

function parseToken(text: string): { direction: "n" | "p"; key: OrderKey } {
  const match = /^([np])([0-9]{1,15})_(!.+)$/.exec(text);
  if (!match) throw invalidParam("Unknown pagination token `since`");
  return { direction: match[1] as "n" | "p", key: { num_joined_members: Number(match[2]), room_id: match[3]! } };
}
