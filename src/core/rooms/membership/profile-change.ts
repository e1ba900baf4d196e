/**
 * A changed display name or avatar goes out as a new join event in every room the user is
 * joined to, so that other members see it (as Synapse and Conduit do).
 * https://spec.matrix.org/v1.19/client-server-api/#events-on-change-of-profile-information
 */
import type { RoomDeps } from "../room-deps.ts";
import { memberDraft } from "./member-event.ts";

export function updateMemberProfiles(deps: RoomDeps, userId: string): Promise<string[]> {
  return deps.engine.write(({ append }) => {
    const updated: string[] = [];
    const profile = deps.getProfile(userId);
    for (const row of deps.stores.memberships.selectRoomsOfUser(userId, "join")) {
      if (
        (row.displayname ?? undefined) === profile.displayname &&
        (row.avatar_url ?? undefined) === profile.avatar_url
      )
        continue;
      try {
        append(
          row.room_id,
          memberDraft(deps, { sender: userId, target: userId, membership: "join", withProfile: true }),
        );
        updated.push(row.room_id);
      } catch {
        // A room whose rules refuse the update keeps the old profile; the others still get theirs.
      }
    }
    return updated;
  });
}
