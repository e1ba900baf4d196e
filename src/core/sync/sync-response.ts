/**
 * The /sync response as the streams build it, and the context they share. Each stream
 * (streams/*.ts) reads the context and adds its part; a joined room's entry is created by
 * whichever stream first has something for it. The room stream runs first: the left rooms'
 * entries it makes receive their account data.
 * https://spec.matrix.org/v1.19/client-server-api/#get_matrixclientv3sync
 */
import type { UnreadCounts } from "../push/notifications.ts";
import type { Viewer } from "../requester.ts";
import type { RecentEvent } from "./room-event-log.ts";
import type { RoomMemberships } from "./room-memberships.ts";
import type { SyncFilter } from "./sync-filter.ts";
import { formatSyncToken, type SyncPositions } from "./sync-token.ts";

export type SyncEvent = Record<string, unknown>;

export interface EventBatch {
  events: SyncEvent[];
}

export interface TimelineBatch extends EventBatch {
  limited: boolean;
  prev_batch: string;
}

export interface RoomSummary {
  "m.heroes"?: string[];
  "m.joined_member_count": number;
  "m.invited_member_count": number;
}

/** Where the room state goes: `state` (up to the timeline's start) or MSC4222's state_after (up to its end). */
export type StateKey = "state" | "state_after" | "org.matrix.msc4222.state_after";

export interface JoinedRoom {
  summary?: RoomSummary;
  timeline: TimelineBatch;
  state?: EventBatch;
  state_after?: EventBatch;
  "org.matrix.msc4222.state_after"?: EventBatch;
  ephemeral: EventBatch;
  account_data: EventBatch;
  unread_notifications?: UnreadCounts;
  unread_thread_notifications?: Record<string, UnreadCounts>;
}

export interface LeftRoom {
  timeline: TimelineBatch;
  state?: EventBatch;
  state_after?: EventBatch;
  "org.matrix.msc4222.state_after"?: EventBatch;
  account_data: EventBatch;
}

export interface SyncResponse {
  next_batch: string;
  rooms: {
    join: Record<string, JoinedRoom>;
    invite: Record<string, { invite_state: EventBatch }>;
    knock: Record<string, { knock_state: EventBatch }>;
    leave: Record<string, LeftRoom>;
  };
  presence: EventBatch;
  account_data: EventBatch;
  to_device: EventBatch;
  device_lists: { changed: string[]; left: string[] };
  device_one_time_keys_count: Record<string, number>;
  device_unused_fallback_key_types: string[];
}

/** One request as every stream sees it. Each stream's own range comes as arguments to its build. */
export interface SyncContext {
  viewer: Viewer;
  filter: SyncFilter;
  /** The client's token (clamped to `to`), or undefined for an initial sync: for streams that read another stream's range. */
  since: SyncPositions | undefined;
  /** Every stream's head as the response began (streams return what they reached; this is not the next token). */
  to: Readonly<SyncPositions>;
  fullState: boolean;
  stateKey: StateKey;
  /** The user's rooms for this response, computed once before the streams run. */
  rooms: RoomMemberships;
  /** For an incremental sync, the room events in (since, to] from the room-event log; undefined when it does not reach back. */
  recentEvents: RecentEvent[] | undefined;
  response: SyncResponse;
}

export function emptyResponse(): SyncResponse {
  return {
    next_batch: "",
    rooms: { join: {}, invite: {}, knock: {}, leave: {} },
    presence: { events: [] },
    account_data: { events: [] },
    to_device: { events: [] },
    device_lists: { changed: [], left: [] },
    device_one_time_keys_count: {},
    device_unused_fallback_key_types: [],
  };
}

/** The joined room's entry, created empty (its state key present even when empty, as MSC4222 requires). */
export function joinedRoomEntry(ctx: SyncContext, roomId: string): JoinedRoom {
  let entry = ctx.response.rooms.join[roomId];
  if (entry === undefined) {
    entry = {
      timeline: { events: [], limited: false, prev_batch: formatSyncToken(ctx.to) },
      [ctx.stateKey]: { events: [] },
      ephemeral: { events: [] },
      account_data: { events: [] },
    };
    ctx.response.rooms.join[roomId] = entry;
  }
  return entry;
}

/** Whether the response carries nothing for the client (a long-poll keeps waiting). One-time key counts do not count. */
export function isEmptyResponse(response: SyncResponse): boolean {
  const { rooms } = response;
  return (
    Object.keys(rooms.join).length === 0 &&
    Object.keys(rooms.invite).length === 0 &&
    Object.keys(rooms.knock).length === 0 &&
    Object.keys(rooms.leave).length === 0 &&
    response.presence.events.length === 0 &&
    response.account_data.events.length === 0 &&
    response.to_device.events.length === 0 &&
    response.device_lists.changed.length === 0 &&
    response.device_lists.left.length === 0
  );
}
