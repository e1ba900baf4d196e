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
import type { DeviceKeys } from "../e2ee/device-keys.ts";
import type { DeviceLists } from "../e2ee/device-lists.ts";
import type { ToDevice } from "../e2ee/to-device.ts";
import type { Presence, PresenceState } from "../ephemeral/presence.ts";
import type { Typing } from "../ephemeral/typing.ts";
import type { Notifications } from "../push/notifications.ts";
import type { PushRules } from "../push/push-rules.ts";
import type { ClientEvents } from "../timeline/client-event.ts";
import type { Viewer } from "../requester.ts";
import type { Visibility } from "../timeline/visibility.ts";
import type { AccountData } from "../users/account-data.ts";
import type { Filters } from "../users/filters.ts";
import { createEventFormat } from "./event-format.ts";
import { createJoinedRooms } from "./joined-rooms.ts";
import type { Notifier } from "./notifier.ts";
import type { StreamHeads } from "./stream-heads.ts";
import { createAccountDataStream } from "./streams/account-data.ts";
import { createDeviceListStream } from "./streams/device-lists.ts";
import { createPresenceStream } from "./streams/presence.ts";
import { createReceiptStream } from "./streams/receipts.ts";
import { createRoomStream } from "./streams/rooms.ts";
import { createSharedRooms } from "./streams/shared-rooms.ts";
import { createToDeviceStream } from "./streams/to-device.ts";
import { createTypingStream } from "./streams/typing.ts";
import { createSyncFilters, roomIncluded, type SyncFilter } from "./sync-filter.ts";
import { emptyResponse, isEmptyResponse, type StateKey, type SyncContext, type SyncResponse } from "./sync-response.ts";
import { formatSyncToken, parseSyncToken, SYNC_STREAMS, type SyncPositions } from "./sync-token.ts";

export interface SyncDeps {
  stores: Pick<Stores, "events" | "roomState" | "memberships" | "receipts" | "committed">;
  visibility: Pick<Visibility, "forUser">;
  clientEvents: Pick<ClientEvents, "serializeAll">;
  accountData: Pick<AccountData, "changedSince">;
  pushRules: Pick<PushRules, "changedSince" | "pushRulesAccountData">;
  pushNotifications: Pick<Notifications, "unreadCounts" | "unreadCountsByRoom">;
  toDevice: Pick<ToDevice, "messagesFor" | "acknowledge" | "inboxPosition">;
  deviceKeys: Pick<DeviceKeys, "oneTimeKeyCounts" | "unusedFallbackKeyTypes">;
  deviceLists: Pick<DeviceLists, "deviceListChangesSince">;
  typing: Pick<Typing, "typingSince" | "typingIn" | "position">;
  presence: Pick<Presence, "changedSince" | "presenceOf" | "position" | "syncStarted">;
  filters: Pick<Filters, "load">;
  notifier: Pick<Notifier, "wait" | "isClosed">;
  heads: Pick<StreamHeads, "snapshot" | "eventHead" | "eventsBetween" | "resync">;
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
/** Streams whose positions persist: a token ahead of them comes from a database rolled back (or another server). */
const PERSISTENT: ReadonlySet<string> = new Set(["events", "receipts", "accountData", "pushRules", "toDevice", "deviceLists"]);

export function createSync(deps: SyncDeps) {
  const { stores, heads } = deps;
  const sharedRooms = createSharedRooms(stores);
  const joinedRooms = createJoinedRooms(stores, heads);
  const toDeviceStream = createToDeviceStream(deps.toDevice);
  const syncFilters = createSyncFilters(deps.filters);
  const streams = [
    createRoomStream({ stores, visibility: deps.visibility, format: createEventFormat(deps.clientEvents), eventHead: heads.eventHead }),
    createAccountDataStream(deps),
    createReceiptStream(stores),
    createTypingStream(deps.typing),
    createPresenceStream(deps.presence, sharedRooms),
    toDeviceStream.stream,
    createDeviceListStream({ stores, deviceKeys: deps.deviceKeys, deviceLists: deps.deviceLists, sharedRooms }),
  ];

  /**
   * Whether every event the database holds has been announced, so that a build that follows
   * in the same synchronous run reads exactly the state at the announced heads. If not, a
   * group-commit batch is still open (it commits within the turn) or committed a moment ago
   * (the writes queued before are announcing it): `settled` waits for that. Events never
   * announced (a failed listener) end the waiting after a while.
   */
  function caughtUp(rounds: number): boolean {
    if (stores.events.selectMaxStream() <= heads.eventHead()) return true;
    if (rounds < CATCH_UP_ROUNDS) return false;
    deps.logger.warn("stored events were never announced; sync takes the database's position");
    heads.resync(stores.events.selectMaxStream());
    return true;
  }

  /**
   * Positions ahead of the server's are brought back to its head, as Synapse does: after a
   * restore from backup (or a restart, for the in-memory typing and presence streams) the
   * client catches up from there instead of failing forever.
   */
  function clamp(since: SyncPositions, to: SyncPositions, viewer: Viewer): SyncPositions {
    const clamped = { ...since };
    for (const stream of SYNC_STREAMS) {
      if (since[stream] <= to[stream]) continue;
      if (PERSISTENT.has(stream)) deps.logger.warn("a sync token is ahead of the server; answering from the server's position", { user_id: viewer.user_id, stream });
      clamped[stream] = to[stream];
    }
    return clamped;
  }

  /** Builds a response synchronously, in the run that found caughtUp: nothing can change the database meanwhile. */
  function build(viewer: Viewer, filter: SyncFilter, requested: SyncPositions | undefined, fullState: boolean, stateKey: StateKey): SyncResponse {
    const to = heads.snapshot();
    to.typing = deps.typing.position();
    to.presence = deps.presence.position();
    to.toDevice = toDeviceStream.position(viewer, requested?.toDevice);
    const since = requested === undefined ? undefined : clamp(requested, to, viewer);
    const joined = joinedRooms(viewer.user_id, to.events).filter((row) => roomIncluded(filter, {}, row.room_id));
    const ctx: SyncContext = {
      viewer, filter, to, fullState, stateKey, since,
      joined: new Map(joined.map((row) => [row.room_id, row])),
      recentEvents: since === undefined ? undefined : heads.eventsBetween(since.events, to.events),
      newlyJoined: new Set(),
      newlyLeft: new Set(),
      response: emptyResponse(),
    };
    for (const stream of streams) stream(ctx);
    addUnreadCounts(ctx);
    ctx.response.next_batch = formatSyncToken(ctx.to);
    return ctx.response;
  }

  /** Each joined room's unread counts: read per room, or for all rooms at once when there are many. */
  function addUnreadCounts(ctx: SyncContext): void {
    const { viewer, filter } = ctx;
    const rooms = Object.entries(ctx.response.rooms.join);
    const byRoom = rooms.length > UNREAD_READS_PER_ROOM ? deps.pushNotifications.unreadCountsByRoom(viewer.user_id) : undefined;
    const none = { total: { notification_count: 0, highlight_count: 0 }, main: { notification_count: 0, highlight_count: 0 }, threads: {} };
    const threaded = filter.room.timeline.unread_thread_notifications === true;
    for (const [roomId, entry] of rooms) {
      const counts = byRoom === undefined ? deps.pushNotifications.unreadCounts(viewer.user_id, roomId) : (byRoom.get(roomId) ?? none);
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
    /** A to-device message reached a device's inbox (wired to the e2ee listener). */
    toDeviceDelivered: toDeviceStream.delivered,

    async sync(viewer: Viewer, request: SyncRequest, signal?: AbortSignal): Promise<SyncResponse> {
      const filter = syncFilters.load(viewer.user_id, request.filter);
      const since = request.since === undefined || request.since === "" ? undefined : parseSyncToken(request.since, "since");
      const fullState = request.full_state === true;
      const stateKey = stateKeyOf(request);
      // The client holds everything up to its token: what was delivered before it can go.
      if (since !== undefined) toDeviceStream.acknowledge(viewer, since.toDevice);
      const syncEnded = deps.presence.syncStarted(viewer.user_id, request.set_presence);
      try {
        const waitUntil = since === undefined || fullState ? 0 : performance.now() + Math.min(Math.max(request.timeout ?? 0, 0), MAX_TIMEOUT_MS);
        for (let rounds = 0; ; ) {
          if (!caughtUp(rounds++)) {
            await stores.committed();
            continue;
          }
          rounds = 0;
          const response = build(viewer, filter, since, fullState, stateKey);
          const remaining = waitUntil - performance.now();
          if (remaining <= 0 || !isEmptyResponse(response) || deps.notifier.isClosed() || signal?.aborted) return response;
          await deps.notifier.wait(viewer.user_id, viewer.device_id, remaining, signal);
        }
      } finally {
        syncEnded();
      }
    },
  };
}

export type Sync = ReturnType<typeof createSync>;
