/**
 * POST /rooms/{roomId}/leave: leave, reject an invite, or withdraw a knock. Leaving a room one
 * is not in (or not any more) is a no-op. leaveAllRooms is the deactivation hook.
 * https://spec.matrix.org/v1.19/client-server-api/#leaving-rooms
 */
import type { RoomDeps } from "../room-deps.ts";
import { memberDraft } from "./member-event.ts";

const LEAVABLE = new Set(["join", "invite", "knock"]);

export async function leaveRoom(deps: RoomDeps, userId: string, roomId: string, reason?: string): Promise<void> {
  await deps.engine.write(({ append }) => {
    const current = deps.stores.memberships.selectMembership(roomId, userId);
    if (!current || !LEAVABLE.has(current.membership)) return;
    append(roomId, memberDraft(deps, { sender: userId, target: userId, membership: "leave", reason }));
  });
}

/**
 * Leaves every room the user is joined to, invited to or knocking on (for account
 * deactivation). Returns the rooms left.
 */
export async function leaveAllRooms(deps: RoomDeps, userId: string): Promise<string[]> {
  const rooms = deps.stores.memberships.selectAllOfUser(userId).filter((row) => LEAVABLE.has(row.membership));
  for (const row of rooms) await leaveRoom(deps, userId, row.room_id);
  return rooms.map((row) => row.room_id);
}
