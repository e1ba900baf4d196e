/**
 * The m.room.member drafts the membership actions send. Joins, knocks and invites carry the
 * profile (displayname, avatar_url) of the user whose membership changes, as clients read
 * names from member events; `reason` is kept when given.
 * https://spec.matrix.org/v1.19/client-server-api/#mroommember
 */
import { MatrixError } from "../../../errors.ts";
import type { EventContent } from "../../../matrix/pdu.ts";
import { EventType } from "../../../matrix/event-types.ts";
import { isValidUserId, serverNameOf } from "../../../matrix/ids.ts";
import type { EventDraft } from "../build-event.ts";
import type { RoomDeps } from "../room-deps.ts";

export type Membership = "join" | "invite" | "leave" | "ban" | "knock";

export interface MemberChange {
  sender: string;
  target: string;
  membership: Membership;
  reason?: string | undefined;
  /** Copy the target's profile into the event. */
  withProfile?: boolean;
  extra?: EventContent;
}

export function memberDraft(deps: Pick<RoomDeps, "getProfile">, change: MemberChange): EventDraft {
  const content: EventContent = { membership: change.membership };
  if (change.withProfile) {
    const profile = deps.getProfile(change.target);
    if (profile.displayname !== undefined) content.displayname = profile.displayname;
    if (profile.avatar_url !== undefined) content.avatar_url = profile.avatar_url;
  }
  if (change.reason !== undefined) content.reason = change.reason;
  Object.assign(content, change.extra);
  return { type: EventType.RoomMember, state_key: change.target, sender: change.sender, content };
}

/**
 * Checks a user id named in a request. Users on other servers cannot be reached until
 * federation exists; local users must have an account.
 */
export function requireLocalUser(deps: Pick<RoomDeps, "stores" | "serverName">, userId: string): void {
  if (!isValidUserId(userId)) throw new MatrixError("M_INVALID_PARAM", `Invalid user id: ${userId}`);
  if (serverNameOf(userId) !== deps.serverName) {
    throw new MatrixError("M_FORBIDDEN", `${userId} is on another server, and this server does not federate yet`);
  }
  if (!deps.stores.accounts.selectUser(userId)) throw new MatrixError("M_NOT_FOUND", `Unknown user ${userId}`);
}
