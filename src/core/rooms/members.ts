/**
 * GET /rooms/{roomId}/members, GET /rooms/{roomId}/joined_members and GET /joined_rooms.
 * https://spec.matrix.org/v1.19/client-server-api/#get_matrixclientv3roomsroomidmembers
 */
import type { ClientEvent } from "../timeline/client-event.ts";
import type { Viewer } from "../requester.ts";
import { minPosition, resolveRoomToken } from "../timeline/tokens.ts";
import type { RoomDeps } from "./room-deps.ts";

export interface MembersRequest {
  at?: string | undefined;
  membership?: string | undefined;
  not_membership?: string | undefined;
}

/** Member events as of `at` (a pagination token), or now; for users who left, as of their leave at the latest. */
export function getMembers(
  deps: RoomDeps,
  viewer: Viewer,
  roomId: string,
  request: MembersRequest,
): { chunk: ClientEvent[] } {
  const point = deps.access.readPoint(viewer.user_id, roomId);
  let group = point.state_group;
  if (request.at !== undefined) {
    const at = minPosition(resolveRoomToken(deps.stores.events, roomId, request.at, "at"), point.until);
    group = deps.stores.events.selectLastInTopology(roomId, at)?.state_group ?? null;
  }
  const { membership, not_membership } = request;
  // Both given: either condition suffices, as the spec defines it.
  const keep = (value: string | null) =>
    (membership === undefined && not_membership === undefined) ||
    (membership !== undefined && value === membership) ||
    (not_membership !== undefined && value !== not_membership);
  const rows = deps.state.membersAt(roomId, group).filter((row) => keep(row.membership));
  return { chunk: deps.clientEvents.serializeAll(rows, viewer) };
}

export function getJoinedMembers(deps: RoomDeps, userId: string, roomId: string) {
  deps.access.readPoint(userId, roomId, { allowDeparted: false });
  const joined: Record<string, { display_name?: string; avatar_url?: string }> = {};
  for (const row of deps.stores.memberships.selectMembersOfRoom(roomId, "join")) {
    joined[row.user_id] = {
      ...(row.displayname !== null ? { display_name: row.displayname } : {}),
      ...(row.avatar_url !== null ? { avatar_url: row.avatar_url } : {}),
    };
  }
  return { joined };
}

export function getJoinedRooms(deps: Pick<RoomDeps, "stores">, userId: string): { joined_rooms: string[] } {
  return { joined_rooms: deps.stores.memberships.selectRoomsOfUser(userId, "join").map((row) => row.room_id) };
}
