/**
 * GET /sync: one response built by the streams (streams/*.ts) from the client's token up to
 * the positions of this moment, and the long-poll around it. An incremental sync with
 * nothing for the client parks on the notifier until something concerning the user commits
 * (or the timeout passes, the client goes away, or the server stops) and then builds again
 * from the same token, so nothing between the token and the answer is lost or sent twice.
 * https://spec.matrix.org/v1.19/client-server-api/#syncing
 */
import type { Logger } from "../../logger.ts";
import type { Stores } from "../../storage/index.ts";
import type { Presence, PresenceState } from "../ephemeral/presence.ts";
import type { Notifications } from "../push/notifications.ts";
import type { Viewer } from "../requester.ts";
import type { Filters } from "../users/filters.ts";
import type { Notifier } from "./notifier.ts";
import { createRoomMemberships } from "./room-memberships.ts";
import type { RoomEventLog } from "./room-event-log.ts";
import type { SyncStreams } from "./streams/index.ts";
import type { ToDeviceStream } from "./streams/to-device.ts";
import { createSyncFilters, type SyncFilter } from "./sync-filter.ts";
import { emptyResponse, isEmptyResponse, type StateKey, type SyncContext, type SyncResponse } from "./sync-response.ts";
import { formatSyncToken, parseSyncToken, type StreamName, type SyncPositions } from "./sync-token.ts";

export interface SyncDeps {
  stores: Pick<Stores, "events" | "memberships">;
  streams: SyncStreams;
  /** The room-event log: the event head, the recent events of a request, and its joined rooms. */
  log: RoomEventLog;
  toDevice: Pick<ToDeviceStream, "acknowledge">;
  /**
   * Resolves once what storage has written so far is committed: storage's "what is
   * committed?" (wired in index.ts).
   */
  untilCommitted: () => Promise<void>;
  pushNotifications: Pick<Notifications, "unreadCounts" | "unreadCountsByRoom">;
  presence: Pick<Presence, "syncStarted">;
  filters: Pick<Filters, "load">;
  notifier: Pick<Notifier, "wait" | "isClosed">;
  logger: Logger;
}

export interface SyncRequest {
  since?: string | undefined;
  /** Milliseconds to wait for something new (0: answer at once). */
  timeout?: number | undefined;
  filter?: string | undefined;
  full_state?: boolean | undefined;
  set_presence?: PresenceState | undefined;
  use_state_after?: boolean | undefined;
  "org.matrix.msc4222.use_state_after"?: boolean | undefined;
}

/** A long-poll answers after this long at the latest, whatever the client asked. */
const MAX_TIMEOUT_MS = 5 * 60_000;
/** Up to this many joined rooms in a response, unread counts are read room by room. */
const UNREAD_READS_PER_ROOM = 8;
/** Waits for events the database holds to be announced before giving up on them (see caughtUp). */
const CATCH_UP_ROUNDS = 100;

export function createSync(deps: SyncDeps) {
  const { stores, streams, log } = deps;
  const names = Object.keys(streams) as StreamName[];
  const roomMemberships = createRoomMemberships(stores, log);
  const syncFilters = createSyncFilters(deps.filters);

  /**
   * Whether every event the database holds has been announced, so that a build that follows
   * in the same synchronous run reads exactly the state at the announced heads. If not, a
   * write is not committed yet, or committed a moment ago and is being announced:
   * `untilCommitted` waits for that. Events never announced (a failed listener) end the
   * waiting after a while.
   */
  function caughtUp(rounds: number): boolean {
    if (stores.events.selectMaxStream() <= log.latest()) return true;
    if (rounds < CATCH_UP_ROUNDS) return false;
    deps.logger.warn("stored events were never announced; sync takes the database's position");
    log.resync(stores.events.selectMaxStream());
    return true;
  }

  /**
   * Positions ahead of the server's are brought back to its head, as Synapse does: after a
   * restore from backup (or a restart, for the in-memory typing and presence streams) the
   * client catches up from there instead of failing forever.
   */
  function clamp(since: SyncPositions, to: SyncPositions, viewer: Viewer): SyncPositions {
    const clamped = { ...since };
    for (const name of names) {
      if (since[name] <= to[name]) continue;
      if (streams[name].persistent)
        deps.logger.warn("a sync token is ahead of the server; answering from the server's position", {
          user_id: viewer.user_id,
          stream: name,
        });
      clamped[name] = to[name];
    }
    return clamped;
  }

  /**
   * Builds a response synchronously, in the run that found caughtUp: nothing can change the
   * database meanwhile. Every stream reports its head, then builds its part and reports the
   * position it reached: the next token is made of those.
   */
  function build(
    viewer: Viewer,
    filter: SyncFilter,
    requested: SyncPositions | undefined,
    fullState: boolean,
    stateKey: StateKey,
  ): SyncResponse {
    const to = {} as SyncPositions;
    for (const name of names) to[name] = streams[name].latest(viewer, requested?.[name]);
    const since = requested === undefined ? undefined : clamp(requested, to, viewer);
    const recentEvents = since === undefined ? undefined : log.eventsBetween(since.events, to.events);
    const ctx: SyncContext = {
      viewer,
      filter,
      to,
      fullState,
      stateKey,
      since,
      recentEvents,
      rooms: roomMemberships({ userId: viewer.user_id, filter, since: since?.events, to: to.events, recentEvents }),
      response: emptyResponse(),
    };
    const next = {} as SyncPositions;
    for (const name of names) next[name] = streams[name].build(ctx, since?.[name], to[name]);
    addUnreadCounts(ctx);
    ctx.response.next_batch = formatSyncToken(next);
    return ctx.response;
  }

  /** Each joined room's unread counts: read per room, or for all rooms at once when there are many. */
  function addUnreadCounts(ctx: SyncContext): void {
    const { viewer, filter } = ctx;
    const rooms = Object.entries(ctx.response.rooms.join);
    const byRoom =
      rooms.length > UNREAD_READS_PER_ROOM ? deps.pushNotifications.unreadCountsByRoom(viewer.user_id) : undefined;
    const none = {
      total: { notification_count: 0, highlight_count: 0 },
      main: { notification_count: 0, highlight_count: 0 },
      threads: {},
    };
    const threaded = filter.room.timeline.unread_thread_notifications === true;
    for (const [roomId, entry] of rooms) {
      const counts =
        byRoom === undefined
          ? deps.pushNotifications.unreadCounts(viewer.user_id, roomId)
          : (byRoom.get(roomId) ?? none);
      entry.unread_notifications = threaded ? counts.main : counts.total;
      if (threaded && Object.keys(counts.threads).length > 0) entry.unread_thread_notifications = counts.threads;
    }
  }

  function stateKeyOf(request: SyncRequest): StateKey {
    if (request.use_state_after === true) return "state_after";
    if (request["org.matrix.msc4222.use_state_after"] === true) return "org.matrix.msc4222.state_after";
    return "state";
  }

  return {
    async sync(viewer: Viewer, request: SyncRequest, signal?: AbortSignal): Promise<SyncResponse> {
      const filter = syncFilters.load(viewer.user_id, request.filter);
      const since =
        request.since === undefined || request.since === "" ? undefined : parseSyncToken(request.since, "since");
      const fullState = request.full_state === true;
      const stateKey = stateKeyOf(request);
      // The client holds everything up to its token: what was delivered before it can go.
      if (since !== undefined) deps.toDevice.acknowledge(viewer, since.toDevice);
      const syncEnded = deps.presence.syncStarted(viewer.user_id, request.set_presence);
      try {
        const waitUntil =
          since === undefined || fullState
            ? 0
            : performance.now() + Math.min(Math.max(request.timeout ?? 0, 0), MAX_TIMEOUT_MS);
        for (let rounds = 0; ; ) {
          if (!caughtUp(rounds++)) {
            await deps.untilCommitted();
            continue;
          }
          rounds = 0;
          const response = build(viewer, filter, since, fullState, stateKey);
          const remaining = waitUntil - performance.now();
          if (remaining <= 0 || !isEmptyResponse(response) || deps.notifier.isClosed() || signal?.aborted)
            return response;
          await deps.notifier.wait(viewer.user_id, viewer.device_id, remaining, signal);
        }
      } finally {
        syncEnded();
      }
    },
  };
}

export type Sync = ReturnType<typeof createSync>;
