/**
 * Presence at the top level: the users who share a room with the syncing user (and the user
 * themself) whose presence changed after the token; in an initial sync, everyone known. The
 * head is the presence service's own position, in memory; it moves before the notifier
 * hears onPresence.
 * https://spec.matrix.org/v1.19/client-server-api/#presence
 */
import { EventType } from "../../../matrix/event-types.ts";
import type { Presence } from "../../ephemeral/presence.ts";
import type { Stream } from "../stream.ts";
import { limitOf, passesEventFilter } from "../sync-filter.ts";
import type { SharedRooms } from "./shared-rooms.ts";

export function createPresenceStream(
  presence: Pick<Presence, "changedSince" | "presenceOf" | "position">,
  sharedRooms: SharedRooms,
): Stream {
  return {
    persistent: false,
    latest: () => presence.position(),
    build(ctx, since, to) {
      const filter = ctx.filter.presence;
      if (!passesEventFilter(filter, EventType.Presence)) return to;
      const changed = presence
        .changedSince(since ?? 0)
        .filter((userId) => passesEventFilter(filter, EventType.Presence, userId));
      if (changed.length === 0) return to;
      const visible = sharedRooms.sharingWith(ctx.viewer.user_id, changed);
      const events = changed
        .filter((userId) => visible.has(userId))
        .map((userId) => ({ type: EventType.Presence, sender: userId, content: presence.presenceOf(userId) }));
      ctx.response.presence.events = events.slice(0, limitOf(filter, events.length));
      return to;
    },
  };
}
