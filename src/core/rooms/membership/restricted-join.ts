/**
 * Restricted joins (room versions 8+): a user who is not invited may join if they are in one
 * of the rooms the join rule allows; a joined member who may invite vouches for the join in
 * `join_authorised_via_users_server`. The auth rules check the voucher, not the allow list:
 * checking the list is the job of the server that vouches, which is us.
 * https://spec.matrix.org/v1.19/client-server-api/#restricted-rooms
 */
import { MatrixError } from "../../../errors.ts";
import { EventType } from "../../../matrix/event-types.ts";
import { serverNameOf } from "../../../matrix/ids.ts";
import { allowedRoomIds } from "../room-description.ts";
import { roomPower } from "../room-power.ts";
import type { RoomDeps } from "../room-deps.ts";

/** The local member to name in join_authorised_via_users_server, or undefined when the join needs none. */
export function joinAuthoriser(deps: RoomDeps, roomId: string, userId: string): string | undefined {
  const rules = deps.engine.currentStateEvent(roomId, EventType.RoomJoinRules, "")?.pdu.content;
  const power = roomPower(deps.engine, deps.stores, roomId);
  if (!rules || !power) return undefined;
  const restricted =
    (power.version.restrictedJoinRule && rules.join_rule === "restricted") ||
    (power.version.knockRestrictedJoinRule && rules.join_rule === "knock_restricted");
  if (!restricted) return undefined;
  const membership = deps.stores.memberships.selectMembership(roomId, userId)?.membership;
  if (membership === "invite" || membership === "join") return undefined;

  const allowed = allowedRoomIds(rules);
  if (!allowed.some((room) => deps.stores.memberships.selectMembership(room, userId)?.membership === "join")) {
    throw new MatrixError("M_FORBIDDEN", "You are not invited, and not in any room that grants access to this one");
  }
  const inviteLevel = power.named("invite");
  // The likeliest vouchers first: creators and users with explicit levels, highest first.
  const candidates = [
    ...power.creators,
    ...[...(power.levels?.users ?? new Map<string, number>())].sort((a, b) => b[1] - a[1]).map(([user]) => user),
  ];
  const joined = (user: string) => deps.stores.memberships.selectMembership(roomId, user)?.membership === "join";
  const local = (user: string) => serverNameOf(user) === deps.serverName;
  const voucher =
    candidates.find((user) => local(user) && joined(user) && power.userLevel(user) >= inviteLevel) ??
    deps.stores.memberships
      .selectMembersOfRoom(roomId, "join")
      .map((row) => row.user_id)
      .find((user) => local(user) && power.userLevel(user) >= inviteLevel);
  if (voucher === undefined)
    throw new MatrixError("M_UNABLE_TO_GRANT_JOIN", "No member of this room who may invite can vouch for the join");
  return voucher;
}
