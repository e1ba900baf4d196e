/**
 * POST /rooms/{roomId}/unban: a banned user's membership goes back to leave.
 * https://spec.matrix.org/v1.19/client-server-api/#post_matrixclientv3roomsroomidunban
 */
import { MatrixError } from "../../../errors.ts";
import type { RoomDeps } from "../room-deps.ts";
import { memberDraft } from "./member-event.ts";
import { requireKnownRoom } from "./resolve-room.ts";

export async function unbanUser(
  deps: RoomDeps,
  sender: string,
  roomId: string,
  target: string,
  reason?: string,
): Promise<void> {
  requireKnownRoom(deps, roomId, sender);
  await deps.engine.write(({ append }) => {
    if (deps.stores.memberships.selectMembership(roomId, target)?.membership !== "ban") {
      throw new MatrixError("M_FORBIDDEN", `${target} is not banned from the room`);
    }
    append(roomId, memberDraft(deps, { sender, target, membership: "leave", reason }));
  });
}
