/**
 * Notifications: which recipients an event notifies (their push rules, evaluated when the
 * event is appended), the unread counts that follow, and the list /notifications pages
 * through. The room engine calls `notificationActionsFor` and `incrementCounts` inside the
 * transaction that appends the event, so the counts arrive in the same /sync as the event;
 * read receipts call `resetCounts`.
 * https://spec.matrix.org/v1.19/client-server-api/#receiving-notifications
 */
import type { JsonValue } from "../../matrix/canonical-json.ts";
import { evaluatePushRules, type PushAction, type PushContext, type PushEvent } from "../../matrix/push-rules.ts";
import { MatrixError } from "../../errors.ts";
import type { Stores } from "../../storage/index.ts";
import type { UnreadCountRow } from "../../storage/event-push-actions.ts";
import type { Clock } from "../clock.ts";
import type { PushRules } from "./push-rules.ts";

/** The thread id of the main timeline in counts and receipts. */
export const MAIN_THREAD = "main";

/** What an event means for one recipient it notifies. */
export interface RecipientNotification {
  user_id: string;
  highlight: boolean;
  actions: PushAction[];
  /** The `set_tweak`s of the actions, for the push gateway. */
  tweaks: Record<string, JsonValue>;
}

export interface UnreadCounts {
  notification_count: number;
  highlight_count: number;
}

/**
 * A room's unread counts for /sync: `total` is `unread_notifications` without threaded
 * notifications; with them, `main` is `unread_notifications` and `threads` is
 * `unread_thread_notifications`.
 */
export interface RoomUnreadCounts {
  total: UnreadCounts;
  main: UnreadCounts;
  threads: Record<string, UnreadCounts>;
}

/**
 * Events in client format by stream position, as `userId` may see them. The room engine
 * provides it; positions it cannot serve are left out.
 */
export type EventsByStreamPositions = (
  userId: string,
  positions: readonly number[],
) => ReadonlyMap<number, Record<string, unknown>>;

export interface Notification {
  actions: PushAction[];
  event: Record<string, unknown>;
  read: boolean;
  room_id: string;
  ts: number;
}

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 1000;
const zero = (): UnreadCounts => ({ notification_count: 0, highlight_count: 0 });

/** A room's counts from its per-thread rows. */
export function roomCounts(rows: readonly UnreadCountRow[]): RoomUnreadCounts {
  const counts: RoomUnreadCounts = { total: zero(), main: zero(), threads: {} };
  for (const row of rows) {
    const thread = { notification_count: row.notification_count, highlight_count: row.highlight_count };
    if (row.thread_id === MAIN_THREAD) counts.main = thread;
    else counts.threads[row.thread_id] = thread;
    counts.total.notification_count += thread.notification_count;
    counts.total.highlight_count += thread.highlight_count;
  }
  return counts;
}

export interface NotificationDeps {
  stores: Pick<Stores, "eventPushActions">;
  pushRules: Pick<PushRules, "pushRulesFor">;
  clock: Clock;
  eventsByStreamPositions: EventsByStreamPositions;
}

export function createNotifications({ stores, pushRules, clock, eventsByStreamPositions }: NotificationDeps) {
  return {
    /**
     * Evaluates each recipient's push rules against the event and returns those it notifies.
     * The sender is never notified of their own event. `contextFor` gives the recipient's
     * display name, the member count and power levels at the event.
     */
    notificationActionsFor(
      event: PushEvent,
      recipients: readonly string[],
      contextFor: (userId: string) => PushContext,
    ): RecipientNotification[] {
      const notified: RecipientNotification[] = [];
      for (const userId of recipients) {
        if (userId === event.sender) continue;
        const result = evaluatePushRules(pushRules.pushRulesFor(userId), event, contextFor(userId));
        if (result.notify)
          notified.push({
            user_id: userId,
            highlight: result.highlight,
            actions: result.actions,
            tweaks: result.tweaks,
          });
      }
      return notified;
    },

    /** Records the notifications of an appended event; call inside the append transaction. */
    incrementCounts(
      roomId: string,
      eventStreamPos: number,
      threadId: string | undefined,
      notified: readonly RecipientNotification[],
    ): void {
      const rows = notified.map((n) => ({
        user_id: n.user_id,
        actions: JSON.stringify(n.actions),
        notify: true,
        highlight: n.highlight,
      }));
      stores.eventPushActions.insertPushActions(roomId, eventStreamPos, threadId ?? MAIN_THREAD, clock.now(), rows);
    },

    /**
     * A read receipt at `upToStreamPos`: an unthreaded one (threadId undefined) clears every
     * thread up to there, a threaded one (MAIN_THREAD or a thread root id) only its thread.
     * https://spec.matrix.org/v1.19/client-server-api/#marking-notifications-as-read
     */
    resetCounts(userId: string, roomId: string, threadId: string | undefined, upToStreamPos: number): void {
      stores.eventPushActions.markReadUpTo(userId, roomId, threadId, upToStreamPos);
    },

    unreadCounts(userId: string, roomId: string): RoomUnreadCounts {
      return roomCounts(stores.eventPushActions.selectUnreadCounts(userId, roomId));
    },

    /** unreadCounts for every room of the user with unread notifications, in one read (rooms not listed have none). */
    unreadCountsByRoom(userId: string): Map<string, RoomUnreadCounts> {
      const rowsByRoom = new Map<string, UnreadCountRow[]>();
      for (const row of stores.eventPushActions.selectUnreadCountsOfUser(userId)) {
        const rows = rowsByRoom.get(row.room_id);
        if (rows) rows.push(row);
        else rowsByRoom.set(row.room_id, [row]);
      }
      return new Map([...rowsByRoom].map(([roomId, rows]) => [roomId, roomCounts(rows)]));
    },

    /** Unread notifications across the user's rooms: the push gateway's `counts.unread`. */
    unreadTotal(userId: string): number {
      return stores.eventPushActions.selectUnreadTotal(userId);
    },

    /** GET /notifications: newest first; `from` is a `next_token` from an earlier page. */
    listNotifications(
      userId: string,
      query: { from?: string; limit?: number; only?: string },
    ): { notifications: Notification[]; next_token?: string } {
      if (query.from !== undefined && !/^[0-9]+$/.test(query.from))
        throw new MatrixError("M_INVALID_PARAM", "Invalid 'from' token");
      const before = query.from === undefined ? Number.MAX_SAFE_INTEGER : Number(query.from);
      const limit = Math.min(Math.max(query.limit ?? DEFAULT_LIMIT, 1), MAX_LIMIT);
      const rows = stores.eventPushActions.selectNotifications(userId, before, limit, query.only === "highlight");
      const events = eventsByStreamPositions(
        userId,
        rows.map((row) => row.event_stream_pos),
      );
      const notifications: Notification[] = [];
      for (const row of rows) {
        const event = events.get(row.event_stream_pos);
        if (event)
          notifications.push({
            actions: JSON.parse(row.actions) as PushAction[],
            event,
            read: row.read === 1,
            room_id: row.room_id,
            ts: row.ts,
          });
      }
      const last = rows[rows.length - 1];
      return rows.length === limit && last
        ? { notifications, next_token: String(last.event_stream_pos) }
        : { notifications };
    },

    /** Forgets read notifications older than `olderThanTs` (unread ones stay: they are counts). */
    pruneReadNotifications(olderThanTs: number): number {
      return stores.eventPushActions.deleteReadBefore(olderThanTs);
    },
  };
}

export type Notifications = ReturnType<typeof createNotifications>;
