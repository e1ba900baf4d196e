/**
 * The end-to-end encryption fields: one-time key counts and unused fallback key types of the
 * syncing device (every response), and in incremental syncs `device_lists`: `changed` names
 * users sharing a room whose devices changed after the token, or who started sharing a room
 * with the user (their keys must be fetched); `left` names users who no longer share any.
 * https://spec.matrix.org/v1.19/client-server-api/#e2e-extensions-to-sync
 */
import { EventType } from "../../../matrix/event-types.ts";
import type { Stores } from "../../../storage/index.ts";
import type { DeviceKeys } from "../../e2ee/device-keys.ts";
import type { DeviceLists } from "../../e2ee/device-lists.ts";
import type { SyncContext } from "../sync-response.ts";
import type { SharedRooms } from "./shared-rooms.ts";

export interface DeviceListStreamDeps {
  stores: Pick<Stores, "events" | "memberships">;
  deviceKeys: Pick<DeviceKeys, "oneTimeKeyCounts" | "unusedFallbackKeyTypes">;
  deviceLists: Pick<DeviceLists, "deviceListChangesSince">;
  sharedRooms: SharedRooms;
}

/** Beyond this many events since the token, member events are read per room instead of as one range. */
const RANGE_SCAN_LIMIT = 10_000;

const gone = (membership: string | null | undefined) => membership === "leave" || membership === "ban";

export function createDeviceListStream({ stores, deviceKeys, deviceLists, sharedRooms }: DeviceListStreamDeps) {
  function memberChanges(ctx: SyncContext, since: number, rooms: Set<string>): { room_id: string; state_key: string; membership: string | null | undefined }[] {
    const to = ctx.to.events;
    if (to <= since) return [];
    if (ctx.recentEvents !== undefined) {
      return ctx.recentEvents.flatMap((event) =>
        event.type === EventType.RoomMember && event.state_key !== undefined && rooms.has(event.room_id) ? [{ ...event, state_key: event.state_key }] : [],
      );
    }
    if (to - since <= RANGE_SCAN_LIMIT) return stores.events.selectMemberEventsBetween(since, to).filter((row) => rooms.has(row.room_id));
    return [...rooms].flatMap((roomId) => stores.events.selectRoomMemberEventsBetween(roomId, since, to));
  }

  /** Users whose device lists the client must (re)fetch, and users it may stop tracking. */
  function deviceListChanges(ctx: SyncContext, since: NonNullable<SyncContext["since"]>): { changed: string[]; left: string[] } {
    const userId = ctx.viewer.user_id;
    const changed = new Set(since.deviceLists < ctx.to.deviceLists ? deviceLists.deviceListChangesSince(since.deviceLists) : []);
    const left = new Set<string>();
    const noMemberEvents = ctx.recentEvents !== undefined && !ctx.recentEvents.some((event) => event.type === EventType.RoomMember);
    if (noMemberEvents && changed.size === 0) return { changed: [], left: [] };
    const rooms = new Set([...ctx.joined.keys(), ...ctx.newlyLeft]);
    const members = (roomId: string) => stores.memberships.selectMembersOfRoom(roomId, "join").map((row) => row.user_id);
    for (const row of memberChanges(ctx, since.events, rooms)) {
      if (row.state_key === userId) {
        if (row.membership === "join" && ctx.newlyJoined.has(row.room_id)) for (const member of members(row.room_id)) if (member !== userId) changed.add(member);
        if (gone(row.membership)) for (const member of members(row.room_id)) left.add(member);
      } else if (ctx.joined.has(row.room_id)) {
        if (row.membership === "join") changed.add(row.state_key);
        else if (gone(row.membership)) left.add(row.state_key);
      }
    }
    const sharing = sharedRooms.sharingWith(userId, [...changed, ...left]);
    return {
      changed: [...changed].filter((other) => sharing.has(other)),
      left: [...left].filter((other) => other !== userId && !sharing.has(other)),
    };
  }

  return (ctx: SyncContext): void => {
    const { user_id, device_id } = ctx.viewer;
    ctx.response.device_one_time_keys_count = deviceKeys.oneTimeKeyCounts(user_id, device_id);
    ctx.response.device_unused_fallback_key_types = deviceKeys.unusedFallbackKeyTypes(user_id, device_id);
    if (ctx.since !== undefined) ctx.response.device_lists = deviceListChanges(ctx, ctx.since);
  };
}
