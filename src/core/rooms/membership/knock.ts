/**
 * POST /knock/{roomIdOrAlias}: ask to join a room whose join rule is knock (v7+) or
 * knock_restricted (v10+). https://spec.matrix.org/v1.19/client-server-api/#knocking-on-rooms
 */
import type { RoomDeps } from "../room-deps.ts";
import { memberDraft } from "./member-event.ts";
import { resolveRoomIdOrAlias } from "./resolve-room.ts";

export async function knockRoom(
  deps: RoomDeps,
  userId: string,
  roomIdOrAlias: string,
  reason?: string,
): Promise<{ room_id: string }> {
  const roomId = resolveRoomIdOrAlias(deps, roomIdOrAlias);
  await deps.engine.write(({ append }) =>
    append(
      roomId,
      memberDraft(deps, { sender: userId, target: userId, membership: "knock", withProfile: true, reason }),
    ),
  );
  return { room_id: roomId };
}
