/**
 * The end-to-end encryption fields: one-time key counts and unused fallback key types of the
 * syncing device (every response), and in incremental syncs `device_lists`: `changed` names
 * users sharing a room whose devices changed after the token, or who started sharing a room
 * with the user (their keys must be fetched); `left` names users who no longer share any.
 * Its head moves with the notifier's onDeviceListChange; member events come from the room
 * stream's range of the same request.
 * https://spec.matrix.org/v1.19/client-server-api/#e2e-extensions-to-sync
 */
import { EventType } from "../../../matrix/event-types.ts";
import type { Stores } from "../../../storage/index.ts";
import type { DeviceKeys } from "../../e2ee/device-keys.ts";
import type { DeviceLists } from "../../e2ee/device-lists.ts";
import type { Head, Stream } from "../stream.ts";
import type { SyncContext } from "../sync-response.ts";
import { tryParseSyncToken } from "../sync-token.ts";
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

type MemberChange = { room_id: string; state_key: string; membership: string | null | undefined };

/**
 * What member events of a range mean for the device lists `userId` tracks: a room the user
 * newly joined brings its members (their keys must be fetched), another user joining a
 * room of the user is new, and leaving (either way) makes a candidate for `left`, kept only
 * if no room is shared any more. `changed` is kept only for users who still share one.
 */
function membershipChanges(
  stores: Pick<Stores, "memberships">,
  sharedRooms: SharedRooms,
  view: {
    userId: string;
    joined: ReadonlySet<string> | Map<string, unknown>;
    newlyJoined: (roomId: string) => boolean;
  },
  events: readonly MemberChange[],
  changed: Set<string>,
): { changed: string[]; left: string[] } {
  const { userId } = view;
  const left = new Set<string>();
  const members = (roomId: string) => stores.memberships.selectMembersOfRoom(roomId, "join").map((row) => row.user_id);
  for (const row of events) {
    if (row.state_key === userId) {
      if (row.membership === "join" && view.newlyJoined(row.room_id))
        for (const member of members(row.room_id)) if (member !== userId) changed.add(member);
      if (gone(row.membership)) for (const member of members(row.room_id)) left.add(member);
    } else if (view.joined.has(row.room_id)) {
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

/** Member events of the rooms in (since, to]: one range scan when short, else per room. */
function memberEventsBetween(
  stores: Pick<Stores, "events">,
  since: number,
  to: number,
  rooms: ReadonlySet<string>,
): MemberChange[] {
  if (to <= since) return [];
  if (to - since <= RANGE_SCAN_LIMIT)
    return stores.events.selectMemberEventsBetween(since, to).filter((row) => rooms.has(row.room_id));
  return [...rooms].flatMap((roomId) => stores.events.selectRoomMemberEventsBetween(roomId, since, to));
}

export function createDeviceListStream(
  { stores, deviceKeys, deviceLists, sharedRooms }: DeviceListStreamDeps,
  head: Head,
): Stream {
  function memberChanges(ctx: SyncContext, since: number, rooms: Set<string>): MemberChange[] {
    if (ctx.recentEvents === undefined) return memberEventsBetween(stores, since, ctx.to.events, rooms);
    return ctx.recentEvents.flatMap((event) =>
      event.type === EventType.RoomMember && event.state_key !== undefined && rooms.has(event.room_id)
        ? [{ ...event, state_key: event.state_key }]
        : [],
    );
  }

  /** Users whose device lists the client must (re)fetch, and users it may stop tracking. */
  function deviceListChanges(
    ctx: SyncContext,
    eventsSince: number,
    since: number,
    to: number,
  ): { changed: string[]; left: string[] } {
    const changed = new Set(since < to ? deviceLists.deviceListChangesSince(since) : []);
    const noMemberEvents =
      ctx.recentEvents !== undefined && !ctx.recentEvents.some((event) => event.type === EventType.RoomMember);
    if (noMemberEvents && changed.size === 0) return { changed: [], left: [] };
    const { joined, newlyJoined, newlyLeft } = ctx.rooms;
    const memberEvents = memberChanges(ctx, eventsSince, new Set([...joined.keys(), ...newlyLeft]));
    const view = { userId: ctx.viewer.user_id, joined, newlyJoined: (roomId: string) => newlyJoined.has(roomId) };
    return membershipChanges(stores, sharedRooms, view, memberEvents, changed);
  }

  return {
    persistent: true,
    latest: head.latest,
    build(ctx, since, to) {
      const { user_id, device_id } = ctx.viewer;
      ctx.response.device_one_time_keys_count = deviceKeys.oneTimeKeyCounts(user_id, device_id);
      ctx.response.device_unused_fallback_key_types = deviceKeys.unusedFallbackKeyTypes(user_id, device_id);
      if (ctx.since !== undefined && since !== undefined)
        ctx.response.device_lists = deviceListChanges(ctx, ctx.since.events, since, to);
      return to;
    },
  };
}

/**
 * The membership part of GET /keys/changes between two sync tokens: users who started
 * sharing a room with the user (`changed`) and who no longer share any (`left`). Rooms the
 * user joined in the range count as new; the current memberships stand for those at `to`.
 */
export function createMembershipDeviceListChanges(
  stores: Pick<Stores, "events" | "memberships">,
  sharedRooms: SharedRooms,
) {
  return (userId: string, from: string, to: string): { changed: string[]; left: string[] } | undefined => {
    const [since, upTo] = [tryParseSyncToken(from)?.events, tryParseSyncToken(to)?.events];
    if (since === undefined || upTo === undefined) return undefined;
    const joined = new Set(stores.memberships.selectRoomsOfUser(userId, "join").map((row) => row.room_id));
    const ownChanges = stores.memberships
      .selectChangedSince(userId, since)
      .filter((row) => row.stream_ordering <= upTo);
    const rooms = new Set([...joined, ...ownChanges.map((row) => row.room_id)]);
    const newlyJoined = (roomId: string) => stores.events.selectMembershipAt(roomId, userId, since) !== "join";
    return membershipChanges(
      stores,
      sharedRooms,
      { userId, joined, newlyJoined },
      memberEventsBetween(stores, since, upTo, rooms),
      new Set(),
    );
  };
}
