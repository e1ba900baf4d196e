/**
 * GET /_matrix/client/v1/room_summary/{roomIdOrAlias} (spec v1.15, MSC3266): what a user
 * needs to decide between joining, knocking and giving up, for rooms they may see or join.
 * Any other room, and any room unknown here, is 404 M_NOT_FOUND, so that a room's existence
 * is not revealed to those who may not preview it.
 * https://spec.matrix.org/v1.19/client-server-api/#get_matrixclientv1room_summaryroomidoralias
 */
import { notFound } from "../../errors.ts";
import type { Pdu } from "../../matrix/pdu.ts";
import type { RoomDeps } from "./room-deps.ts";
import { DESCRIBING_STATE, describeRoom, isOpenToAnyone, type RoomDescription } from "./room-description.ts";

export interface RoomSummary extends RoomDescription {
  /** The requester's membership ("leave" when none); absent for unauthenticated requests. */
  membership?: string;
}

/** The same with the field names of the unstable im.nheko.summary endpoints, which older clients read. */
export type UnstableRoomSummary = RoomSummary & {
  "im.nheko.summary.room_version": string;
  "im.nheko.summary.encryption"?: string;
};

const notAccessible = () => notFound("Room not found or is not accessible");

/** Memberships that let a user preview any room: in it, invited to it, or asking to join it. */
const PREVIEWING_MEMBERSHIPS = new Set(["join", "invite", "knock"]);

export function roomSummary(deps: RoomDeps, userId: string | undefined, roomIdOrAlias: string): RoomSummary {
  const roomId = roomIdOrAlias.startsWith("#") ? deps.stores.aliases.selectRoomIdByAlias(roomIdOrAlias) : roomIdOrAlias;
  if (roomId === undefined || !deps.stores.rooms.selectRoom(roomId)) throw notAccessible();
  const contents = new Map(
    deps.stores.roomState
      .selectCurrentEventsOfTypes(roomId, DESCRIBING_STATE)
      .map((row) => [row.type, (JSON.parse(row.json) as Pdu).content]),
  );
  const description = describeRoom(roomId, deps.stores.memberships.countMembers(roomId, "join"), contents);
  if (isOpenToAnyone(description))
    return userId === undefined
      ? description
      : { ...description, membership: deps.access.membershipOf(userId, roomId) ?? "leave" };
  if (userId === undefined) throw notAccessible();
  const membership = deps.access.membershipOf(userId, roomId);
  const admitted =
    (membership !== undefined && PREVIEWING_MEMBERSHIPS.has(membership)) ||
    (description.allowed_room_ids ?? []).some((allowed) => deps.access.membershipOf(userId, allowed) === "join");
  if (!admitted) throw notAccessible();
  return { ...description, membership: membership ?? "leave" };
}

export function unstableRoomSummary(summary: RoomSummary): UnstableRoomSummary {
  return {
    ...summary,
    "im.nheko.summary.room_version": summary.room_version,
    ...(summary.encryption !== undefined ? { "im.nheko.summary.encryption": summary.encryption } : {}),
  };
}
