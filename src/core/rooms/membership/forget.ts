/**
 * POST /rooms/{roomId}/forget: after leaving, stop seeing the room's history. The membership
 * row stays (sync and federation need it) but reads treat the user as a stranger.
 * https://spec.matrix.org/v1.19/client-server-api/#post_matrixclientv3roomsroomidforget
 */
import { MatrixError } from "../../../errors.ts";
import type { RoomDeps } from "../room-deps.ts";

export async function forgetRoom(deps: RoomDeps, userId: string, roomId: string): Promise<void> {
  await deps.engine.write(() => {
    const membership = deps.stores.memberships.selectMembership(roomId, userId)?.membership;
    if (membership === undefined) return;
    if (membership !== "leave" && membership !== "ban")
      throw new MatrixError("M_UNKNOWN", "The user has not left the room");
    deps.stores.memberships.updateForgotten(roomId, userId);
  });
}
