/**
 * The room stream of /sync, owner of the event position: which rooms the response covers
 * and, for each, its timeline and state. The user's rooms (joined, newly joined, left,
 * invited, knocked) come computed once for the request (room-memberships.ts). An initial
 * sync covers every joined room, the invites and knocks, and with `include_leave` the rooms
 * left. An incremental sync covers the membership changes and the joined rooms with new
 * events in the range (from the room-event log; else a scan of that range, per joined room
 * when the range is long), so nothing scans every room's state. Its head is the log's, moved
 * by the notifier's onRoomEvent.
 */
import { EventType } from "../../../matrix/event-types.ts";
import type { EventRow, TopologicalPosition } from "../../../storage/events.ts";
import type { Stores } from "../../../storage/index.ts";
import type { MembershipRow } from "../../../storage/memberships.ts";
import type { RoomReader } from "../../timeline/client-event.ts";
import type { Visibility } from "../../timeline/visibility.ts";
import type { FormatEvents } from "../event-format.ts";
import { DEFAULT_TIMELINE_LIMIT, limitOf, MAX_TIMELINE_LIMIT, roomIncluded } from "../sync-filter.ts";
import type { RoomEventLog } from "../room-event-log.ts";
import type { Stream } from "../stream.ts";
import { joinedRoomEntry, type RoomSummary, type SyncContext } from "../sync-response.ts";
import { formatSyncToken } from "../sync-token.ts";
import { roomStateFor } from "./room-state.ts";
import { roomSummary, strippedState } from "./room-summary.ts";
import { createSharedTimelineReads, loadTimeline, prevBatchOf, readerFor, type Timeline } from "./room-timeline.ts";

export interface RoomStreamDeps {
  stores: Pick<Stores, "events" | "roomState" | "memberships">;
  visibility: Pick<Visibility, "forUser">;
  format: FormatEvents;
  /** The stream's head: the announced room events (timeline reads are shared while it stands still). */
  log: Pick<RoomEventLog, "latest">;
}

/** Beyond this many events since the token, new events are found per joined room instead of by one range scan. */
const RANGE_SCAN_LIMIT = 10_000;

interface RoomMode {
  /** The timeline covers events after this position (0: the room's latest events). */
  from: number;
  /** Full state rather than the changes since `from`. */
  full: boolean;
}

export function createRoomStream({ stores, visibility, format, log }: RoomStreamDeps): Stream {
  const timelineReads = createSharedTimelineReads(stores.events, log.latest);
  const isMember = (row: EventRow) => row.type === EventType.RoomMember;

  function timelineOf(ctx: SyncContext, roomId: string, mode: RoomMode, upTo: number, reader: RoomReader): Timeline {
    const filter = ctx.filter.room.timeline;
    if (!roomIncluded(ctx.filter, filter, roomId)) return { rows: [], limited: false };
    const limit = limitOf(filter, DEFAULT_TIMELINE_LIMIT, MAX_TIMELINE_LIMIT);
    return loadTimeline(timelineReads, {
      roomId,
      fromExclusive: mode.from,
      toInclusive: upTo,
      filter,
      limit,
      visible: reader.visible,
    });
  }

  function stateOf(
    ctx: SyncContext,
    roomId: string,
    timeline: Timeline,
    mode: RoomMode,
    upTo: number,
    atPresent: boolean,
    alsoMembers: string[],
  ) {
    const filter = ctx.filter.room.state;
    if (!roomIncluded(ctx.filter, filter, roomId)) return [];
    // The log covers (ctx.since, to]: it answers for the changes after an incremental `from`.
    const recent =
      !mode.full && ctx.since !== undefined && mode.from === ctx.since.events
        ? ctx.recentEvents?.filter((event) => event.room_id === roomId)
        : undefined;
    return roomStateFor(stores, {
      roomId,
      userId: ctx.viewer.user_id,
      timeline: timeline.rows,
      since: mode.full ? undefined : mode.from,
      after: ctx.stateKey !== "state",
      upTo,
      atPresent,
      filter,
      alsoMembers,
      recent,
    });
  }

  /** A room's timeline and state as one page each: the spec bundles aggregations in limited timelines only, never on state. */
  function pages(
    ctx: SyncContext,
    timeline: Timeline,
    state: EventRow[],
    reader: RoomReader,
    until?: TopologicalPosition,
  ) {
    return {
      timeline: format(timeline.rows, ctx.viewer, ctx.filter, { reader, until, aggregations: timeline.limited }),
      state: format(state, ctx.viewer, ctx.filter, { reader, aggregations: false }),
    };
  }

  function joinedRoom(ctx: SyncContext, roomId: string, membership: MembershipRow, mode: RoomMode): void {
    const reader = readerFor(visibility, ctx.viewer.user_id, roomId, membership);
    const timeline = timelineOf(ctx, roomId, mode, ctx.to.events, reader);
    // The summary comes with full state and whenever membership changed; lazy-loading clients need the heroes' member events.
    let summary: RoomSummary | undefined =
      mode.full || timeline.rows.some(isMember) ? roomSummary(stores, roomId, ctx.viewer.user_id) : undefined;
    const state = stateOf(ctx, roomId, timeline, mode, ctx.to.events, true, summary?.["m.heroes"] ?? []);
    if (summary === undefined && state.some(isMember)) summary = roomSummary(stores, roomId, ctx.viewer.user_id);
    const entry = joinedRoomEntry(ctx, roomId);
    const events = pages(ctx, timeline, state, reader);
    entry.timeline = {
      events: events.timeline,
      limited: timeline.limited,
      prev_batch: prevBatchOf(timeline.rows, entry.timeline.prev_batch),
    };
    entry[ctx.stateKey] = { events: events.state };
    if (summary !== undefined) entry.summary = summary;
  }

  /** A room left, kicked from or banned from: its timeline and state up to the member event that ended it. */
  function leftRoom(ctx: SyncContext, membership: MembershipRow, mode: RoomMode): void {
    const roomId = membership.room_id;
    const upTo = membership.stream_ordering;
    const reader = readerFor(visibility, ctx.viewer.user_id, roomId, undefined);
    const timeline = timelineOf(ctx, roomId, mode, upTo, reader);
    const state = stateOf(ctx, roomId, timeline, mode, upTo, false, []);
    // Aggregations name no children after the leave.
    const leave = stores.events.selectEvent(membership.event_id);
    const events = pages(
      ctx,
      timeline,
      state,
      reader,
      leave ? { depth: leave.depth, stream: leave.stream_ordering } : undefined,
    );
    ctx.response.rooms.leave[roomId] = {
      timeline: {
        events: events.timeline,
        limited: timeline.limited,
        prev_batch: prevBatchOf(timeline.rows, formatSyncToken(ctx.to)),
      },
      [ctx.stateKey]: { events: events.state },
      account_data: { events: [] },
    };
  }

  /** An invite or knock: stripped state plus the user's own member event. */
  function pendingRoom(ctx: SyncContext, membership: MembershipRow): void {
    const row = stores.events.selectEvent(membership.event_id);
    if (!row) return;
    const inviter = membership.membership === "invite" && row.sender !== ctx.viewer.user_id ? row.sender : undefined;
    const events = [
      ...strippedState(stores, membership.room_id, inviter),
      ...format([row], ctx.viewer, ctx.filter, { aggregations: false }),
    ];
    if (membership.membership === "invite")
      ctx.response.rooms.invite[membership.room_id] = { invite_state: { events } };
    else ctx.response.rooms.knock[membership.room_id] = { knock_state: { events } };
  }

  function initialSync(ctx: SyncContext): void {
    const full: RoomMode = { from: 0, full: true };
    for (const [roomId, membership] of ctx.rooms.joined) joinedRoom(ctx, roomId, membership, full);
    for (const membership of ctx.rooms.pending) pendingRoom(ctx, membership);
    for (const membership of ctx.rooms.left) leftRoom(ctx, membership, full);
  }

  /** Joined rooms with events in (since, to]: from the room-event log, else from the database. */
  function roomsWithNewEvents(ctx: SyncContext, since: number, to: number): Set<string> {
    if (ctx.recentEvents !== undefined) return new Set(ctx.recentEvents.map((event) => event.room_id));
    if (to <= since) return new Set();
    if (to - since <= RANGE_SCAN_LIMIT) return new Set(stores.events.selectRoomsWithEventsBetween(since, to));
    return new Set(
      [...ctx.rooms.joined.keys()].filter(
        (roomId) => (stores.events.selectPositionAtStream(roomId, to)?.stream ?? 0) > since,
      ),
    );
  }

  function incrementalSync(ctx: SyncContext, since: number, to: number): void {
    const { joined, newlyJoined, pending, left } = ctx.rooms;
    for (const membership of pending) pendingRoom(ctx, membership);
    for (const membership of left) leftRoom(ctx, membership, { from: since, full: ctx.fullState });
    const active = roomsWithNewEvents(ctx, since, to);
    for (const [roomId, membership] of joined) {
      if (newlyJoined.has(roomId)) joinedRoom(ctx, roomId, membership, { from: 0, full: true });
      else if (ctx.fullState || active.has(roomId))
        joinedRoom(ctx, roomId, membership, { from: since, full: ctx.fullState });
    }
  }

  return {
    persistent: true,
    latest: log.latest,
    build(ctx, since, to) {
      if (since === undefined) initialSync(ctx);
      else incrementalSync(ctx, since, to);
      return to;
    },
  };
}
