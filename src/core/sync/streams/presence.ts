/**
 * Presence at the top level: the users who share a room with the syncing user (and the user
 * themself) whose presence changed after the token; in an initial sync, everyone known.
 * https://spec.matrix.org/v1.19/client-server-api/#presence
 */
import { EventType } from "../../../matrix/event-types.ts";
import type { Presence } from "../../ephemeral/presence.ts";
import { limitOf, passesEventFilter } from "../sync-filter.ts";
import type { SyncContext } from "../sync-response.ts";
import type { SharedRooms } from "./shared-rooms.ts";

export function createPresenceStream(presence: Pick<Presence, "changedSince" | "presenceOf">, sharedRooms: SharedRooms) {
  return (ctx: SyncContext): void => {
    const filter = ctx.filter.presence;
    if (!passesEventFilter(filter, EventType.Presence)) return;
    const changed = presence.changedSince(ctx.since?.presence ?? 0).filter((userId) => passesEventFilter(filter, EventType.Presence, userId));
    if (changed.length === 0) return;
    const visible = sharedRooms.sharingWith(ctx.viewer.user_id, changed);
    const events = changed.filter((userId) => visible.has(userId)).map((userId) => ({ type: EventType.Presence, sender: userId, content: presence.presenceOf(userId) }));
    ctx.response.presence.events = events.slice(0, limitOf(filter, events.length));
  };
}
