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
 * deactivation), all in one write: the leave events are written before this returns (their
 * commit follows with the turn's batch). A room whose rules refuse the leave is skipped.
 * Resolves with the rooms left.
 */
export function leaveAllRooms(deps: RoomDeps, userId: string): Promise<string[]> {
  return deps.engine.write(({ append }) => {
    const left: string[] = [];
    for (const row of deps.stores.memberships.selectAllOfUser(userId)) {
      if (!LEAVABLE.has(row.membership)) continue;
      try {
        append(row.room_id, memberDraft(deps, { sender: userId, target: userId, membership: "leave" }));
        left.push(row.room_id);
      } catch {
        // Refused by the room's rules (it cannot be for one's own leave, but a room is never worth failing the others for).
      }
    }
    return left;
  });
}
