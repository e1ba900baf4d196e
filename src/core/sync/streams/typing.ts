/**
 * Typing notifications in the joined rooms' `ephemeral`: a room's full list of typing users
 * whenever it changed after the token (in an initial sync: where someone is typing). The
 * head is the typing service's own position, in memory; it moves before the notifier hears
 * onTyping.
 * https://spec.matrix.org/v1.19/client-server-api/#typing-notifications
 */
import { EventType } from "../../../matrix/event-types.ts";
import type { Typing } from "../../ephemeral/typing.ts";
import type { Stream } from "../stream.ts";
import { passesEventFilter, roomIncluded } from "../sync-filter.ts";
import { joinedRoomEntry } from "../sync-response.ts";

export function createTypingStream(typing: Pick<Typing, "typingSince" | "typingIn" | "position">): Stream {
  return {
    persistent: false,
    latest: () => typing.position(),
    build(ctx, since, to) {
      const filter = ctx.filter.room.ephemeral;
      if (!passesEventFilter(filter, EventType.Typing)) return to;
      if (since !== undefined && since >= to && ctx.rooms.newlyJoined.size === 0) return to;
      for (const roomId of ctx.rooms.joined.keys()) {
        if (!roomIncluded(ctx.filter, filter, roomId)) continue;
        const fresh = since === undefined || ctx.rooms.newlyJoined.has(roomId);
        const userIds = fresh ? typing.typingIn(roomId) : typing.typingSince(roomId, since);
        if (userIds === undefined || (fresh && userIds.length === 0)) continue;
        joinedRoomEntry(ctx, roomId).ephemeral.events.push({ type: EventType.Typing, content: { user_ids: userIds } });
      }
      return to;
    },
  };
}
