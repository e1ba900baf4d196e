/**
 * POST /join/{roomIdOrAlias} and POST /rooms/{roomId}/join.
 * https://spec.matrix.org/v1.19/client-server-api/#joining-rooms
 */
import { MatrixError } from "../../../errors.ts";
import { EventType } from "../../../matrix/event-types.ts";
import type { EventContent } from "../../../matrix/pdu.ts";
import type { RoomDeps } from "../room-deps.ts";
import { memberDraft } from "./member-event.ts";
import { joinAuthoriser } from "./restricted-join.ts";
import { resolveRoomIdOrAlias } from "./resolve-room.ts";

export function joinRoom(
  deps: RoomDeps,
  userId: string,
  roomIdOrAlias: string,
  reason?: string,
  isGuest = false,
): Promise<{ room_id: string }> {
  const roomId = resolveRoomIdOrAlias(deps, roomIdOrAlias);
  return deps.engine.write(({ append }) => {
    // Guests may join only rooms that let them in. https://spec.matrix.org/v1.19/client-server-api/#guest-access
    if (
      isGuest &&
      deps.engine.currentStateEvent(roomId, EventType.RoomGuestAccess, "")?.pdu.content.guest_access !== "can_join"
    ) {
      throw new MatrixError("M_FORBIDDEN", "Guests may not join this room");
    }
    const current = deps.stores.memberships.selectMembership(roomId, userId);
    const authoriser = joinAuthoriser(deps, roomId, userId);
    const extra: EventContent = authoriser === undefined ? {} : { join_authorised_via_users_server: authoriser };
    const draft = memberDraft(deps, {
      sender: userId,
      target: userId,
      membership: "join",
      withProfile: true,
      reason,
      extra,
    });
    // Joining again with the same profile changes nothing: no new event, as Synapse does.
    const unchanged =
      current?.membership === "join" &&
      reason === undefined &&
      (current.displayname ?? undefined) === draft.content.displayname &&
      (current.avatar_url ?? undefined) === draft.content.avatar_url;
    if (!unchanged) append(roomId, draft);
    return { room_id: roomId };
  });
}
