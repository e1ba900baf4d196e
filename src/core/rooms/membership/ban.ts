/**
 * POST /rooms/{roomId}/ban. Users of any server may be banned, also before they ever join.
 * https://spec.matrix.org/v1.19/client-server-api/#post_matrixclientv3roomsroomidban
 */
import { MatrixError } from "../../../errors.ts";
import { isValidUserId } from "../../../matrix/ids.ts";
import type { RoomDeps } from "../room-deps.ts";
import { memberDraft } from "./member-event.ts";
import { requireKnownRoom } from "./resolve-room.ts";

export async function banUser(
  deps: RoomDeps,
  sender: string,
  roomId: string,
  target: string,
  reason?: string,
): Promise<void> {
  if (!isValidUserId(target)) throw new MatrixError("M_INVALID_PARAM", `Invalid user id: ${target}`);
  requireKnownRoom(deps, roomId, sender);
  await deps.engine.write(({ append }) =>
    append(roomId, memberDraft(deps, { sender, target, membership: "ban", reason })),
  );
}
