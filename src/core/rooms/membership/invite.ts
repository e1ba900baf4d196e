/**
 * POST /rooms/{roomId}/invite. Inviting someone already invited succeeds without a new event,
 * as the spec's 200 response allows. https://spec.matrix.org/v1.19/client-server-api/#post_matrixclientv3roomsroomidinvite
 */
import type { RoomDeps } from "../room-deps.ts";
import { memberDraft, requireLocalUser } from "./member-event.ts";
import { requireKnownRoom } from "./resolve-room.ts";

export async function inviteUser(
  deps: RoomDeps,
  sender: string,
  roomId: string,
  target: string,
  reason?: string,
): Promise<void> {
  requireLocalUser(deps, target);
  requireKnownRoom(deps, roomId, sender);
  await deps.engine.write(({ append }) => {
    if (deps.stores.memberships.selectMembership(roomId, target)?.membership === "invite") return;
    append(roomId, memberDraft(deps, { sender, target, membership: "invite", withProfile: true, reason }));
  });
}
