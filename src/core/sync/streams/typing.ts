/**
 * Typing notifications in the joined rooms' `ephemeral`: a room's full list of typing users
 * whenever it changed after the token (in an initial sync: where someone is typing).
 * https://spec.matrix.org/v1.19/client-server-api/#typing-notifications
 */
import { EventType } from "../../../matrix/event-types.ts";
import type { Typing } from "../../ephemeral/typing.ts";
import { passesEventFilter, roomIncluded } from "../sync-filter.ts";
import { joinedRoomEntry, type SyncContext } from "../sync-response.ts";

export function createTypingStream(typing: Pick<Typing, "typingSince" | "typingIn">) {
  return (ctx: SyncContext): void => {
    const filter = ctx.filter.room.ephemeral;
    if (!passesEventFilter(filter, EventType.Typing)) return;
    const since = ctx.since?.typing;
    if (since !== undefined && since >= ctx.to.typing && ctx.newlyJoined.size === 0) return;
    for (const roomId of ctx.joined.keys()) {
      if (!roomIncluded(ctx.filter, filter, roomId)) continue;
      const fresh = since === undefined || ctx.newlyJoined.has(roomId);
      const userIds = fresh ? typing.typingIn(roomId) : typing.typingSince(roomId, since);
      if (userIds === undefined || (fresh && userIds.length === 0)) continue;
      joinedRoomEntry(ctx, roomId).ephemeral.events.push({ type: EventType.Typing, content: { user_ids: userIds } });
    }
  };
}
