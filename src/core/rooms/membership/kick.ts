/**
 * POST /rooms/{roomId}/kick. https://spec.matrix.org/v1.19/client-server-api/#post_matrixclientv3roomsroomidkick
 */
import { MatrixError } from "../../../errors.ts";
import type { RoomDeps } from "../room-deps.ts";
import { memberDraft } from "./member-event.ts";
import { requireKnownRoom } from "./resolve-room.ts";

const KICKABLE = new Set(["join", "invite", "knock"]);

export async function kickUser(
  deps: RoomDeps,
  sender: string,
  roomId: string,
  target: string,
  reason?: string,
): Promise<void> {
  requireKnownRoom(deps, roomId, sender);
  await deps.engine.write(({ append }) => {
    const membership = deps.stores.memberships.selectMembership(roomId, target)?.membership;
    if (membership === undefined || !KICKABLE.has(membership))
      throw new MatrixError("M_FORBIDDEN", `${target} is not in the room`);
    append(roomId, memberDraft(deps, { sender, target, membership: "leave", reason }));
  });
}
