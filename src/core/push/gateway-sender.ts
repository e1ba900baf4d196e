/**
 * Sends notifications to push gateways: one `POST {url}` per pusher, in order per pusher,
 * retried with bounded exponential backoff when the gateway fails, and the pusher removed
 * when the gateway says its pushkey was `rejected`. Runs after the event's transaction has
 * committed and never blocks the request that appended it.
 * https://spec.matrix.org/v1.19/push-gateway-api/#post_matrixpushv1notify
 */
import type { JsonValue } from "../../matrix/canonical-json.ts";
import { EventType } from "../../matrix/event-types.ts";
import type { Logger } from "../../logger.ts";
import type { Stores } from "../../storage/index.ts";
import type { PusherRow } from "../../storage/pushers.ts";
import type { RecipientNotification } from "./notifications.ts";
import type { PusherData } from "./pushers.ts";

/** The event as the gateway hears of it. */
export interface PushedEvent {
  event_id: string;
  room_id: string;
  type: string;
  sender: string;
  content?: Record<string, unknown>;
  state_key?: string;
}

/** Room-level details the room engine may know; the gateway shows them if present. */
export interface NotificationDetails {
  sender_display_name?: string;
  room_name?: string;
  room_alias?: string;
}

export interface RetryPolicy {
  /** Delay before the first retry; each next one doubles, up to maxDelayMs. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** Attempts in all, the first included; then the notification is dropped. */
  maxAttempts: number;
  /** Per request. */
  timeoutMs: number;
}

// About 17 minutes of retries in all: a gateway that is down longer misses notifications,
// which the spec allows ("retry for a reasonable amount of time").
export const DEFAULT_RETRY: RetryPolicy = {
  initialDelayMs: 1000,
  maxDelayMs: 5 * 60_000,
  maxAttempts: 10,
  timeoutMs: 30_000,
};
/** Notifications waiting per pusher while it retries; more are dropped, oldest kept. */
const MAX_QUEUED_PER_PUSHER = 100;

export interface GatewaySenderDeps {
  stores: Pick<Stores, "pushers">;
  logger: Logger;
  /** `counts.unread` for a user. */
  unreadTotal: (userId: string) => number;
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
  sleep?: (ms: number) => Promise<void>;
  retry?: Partial<RetryPolicy>;
}

type Body = { notification: Record<string, JsonValue | undefined> };

function device(pusher: PusherRow, tweaks: Record<string, JsonValue>) {
  const { url: _url, ...data } = JSON.parse(pusher.data) as PusherData;
  return {
    app_id: pusher.app_id,
    pushkey: pusher.pushkey,
    pushkey_ts: Math.floor(pusher.pushkey_ts / 1000),
    data: data as JsonValue,
    tweaks,
  };
}

/** `prio` as Synapse sets it: high when the user will be alerted (sound, highlight) or the client must decrypt to know. */
function priority(event: PushedEvent, tweaks: Record<string, JsonValue>): "high" | "low" {
  return event.type === EventType.RoomEncrypted || tweaks.highlight === true || tweaks.sound !== undefined
    ? "high"
    : "low";
}

export function createGatewaySender({
  stores,
  logger,
  unreadTotal,
  fetch = globalThis.fetch,
  sleep = Bun.sleep,
  retry = {},
}: GatewaySenderDeps) {
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...retry };
  const queues = new Map<string, { tail: Promise<void>; length: number }>();

  function eventBody(
    event: PushedEvent,
    details: NotificationDetails,
    pusher: PusherRow,
    recipient: RecipientNotification,
  ): Body {
    const unread = unreadTotal(recipient.user_id);
    // "Counts whose value is zero should be omitted."
    const counts: Record<string, JsonValue> = unread > 0 ? { unread } : {};
    const prio = priority(event, recipient.tweaks);
    const devices = [device(pusher, recipient.tweaks)];
    if ((JSON.parse(pusher.data) as PusherData).format === "event_id_only") {
      return { notification: { event_id: event.event_id, room_id: event.room_id, counts, prio, devices } };
    }
    const notification: Body["notification"] = {
      event_id: event.event_id,
      room_id: event.room_id,
      type: event.type,
      sender: event.sender,
      ...details,
      prio,
    };
    if (event.content && Object.keys(event.content).length > 0) notification.content = event.content as JsonValue;
    if (event.type === EventType.RoomMember && event.state_key !== undefined)
      notification.user_is_target = event.state_key === recipient.user_id;
    return { notification: { ...notification, counts, devices } };
  }

  /** One POST; true when done with (delivered, or rejected and the pusher removed). */
  async function post(pusher: PusherRow, body: Body): Promise<boolean> {
    const url = (JSON.parse(pusher.data) as PusherData).url ?? "";
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(policy.timeoutMs),
      });
      if (!response.ok) {
        logger.warn("push gateway answered with an error", { url, status: response.status, app_id: pusher.app_id });
        return false;
      }
      const answer = (await response.json().catch(() => ({}))) as { rejected?: unknown };
      if (Array.isArray(answer.rejected) && answer.rejected.includes(pusher.pushkey)) {
        logger.info("push gateway rejected a pushkey; removing the pusher", {
          user_id: pusher.user_id,
          app_id: pusher.app_id,
        });
        stores.pushers.deletePusher(pusher.user_id, pusher.app_id, pusher.pushkey);
      }
      return true;
    } catch (error) {
      logger.warn("push gateway unreachable", {
        url,
        app_id: pusher.app_id,
        error: error instanceof Error ? error.message : String(error),
      });
      return false;
    }
  }

  async function deliver(pusher: PusherRow, body: Body): Promise<void> {
    for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
      // The pusher may have been deleted or replaced while this waited.
      const current = stores.pushers.selectPusher(pusher.user_id, pusher.app_id, pusher.pushkey);
      if (!current || current.data !== pusher.data) return;
      if (await post(current, body)) return;
      if (attempt < policy.maxAttempts)
        await sleep(Math.min(policy.initialDelayMs * 2 ** (attempt - 1), policy.maxDelayMs));
    }
    logger.warn("giving up on a push notification", {
      user_id: pusher.user_id,
      app_id: pusher.app_id,
      attempts: policy.maxAttempts,
    });
  }

  /** Queues a delivery behind the pusher's earlier ones, so a gateway hears of events in order. */
  function enqueue(pusher: PusherRow, body: Body): Promise<void> {
    const key = `${pusher.user_id}\u0000${pusher.app_id}\u0000${pusher.pushkey}`;
    const queue = queues.get(key) ?? { tail: Promise.resolve(), length: 0 };
    if (queue.length >= MAX_QUEUED_PER_PUSHER) {
      logger.warn("push queue full; dropping a notification", { user_id: pusher.user_id, app_id: pusher.app_id });
      return queue.tail;
    }
    queue.length++;
    // A failed delivery (the database unreadable) is logged: the tail never rejects, so the
    // pusher's later notifications still go out and no caller is left with an unhandled rejection.
    queue.tail = queue.tail
      .then(() => deliver(pusher, body))
      .catch((error: unknown) =>
        logger.error("push delivery failed", { user_id: pusher.user_id, app_id: pusher.app_id, error: String(error) }),
      )
      .finally(() => {
        if (--queue.length === 0 && queues.get(key) === queue) queues.delete(key);
      });
    queues.set(key, queue);
    return queue.tail;
  }

  return {
    /**
     * Sends the event to every pusher of every notified recipient. Call after the append
     * transaction commits, without awaiting; the promise settles when every delivery is done
     * or given up (tests and shutdown wait on it).
     */
    pushEvent(
      event: PushedEvent,
      notified: readonly RecipientNotification[],
      details: NotificationDetails = {},
    ): Promise<void> {
      const deliveries: Promise<void>[] = [];
      for (const recipient of notified) {
        for (const pusher of stores.pushers.selectByUser(recipient.user_id))
          deliveries.push(enqueue(pusher, eventBody(event, details, pusher, recipient)));
      }
      return Promise.all(deliveries).then(() => undefined);
    },

    /** A counts-only notification (e.g. after a read receipt), so app badges go down; unread 0 is sent, to clear the badge. */
    pushCounts(userId: string): Promise<void> {
      const unread = unreadTotal(userId);
      const deliveries = stores.pushers
        .selectByUser(userId)
        .map((pusher) => enqueue(pusher, { notification: { counts: { unread }, devices: [device(pusher, {})] } }));
      return Promise.all(deliveries).then(() => undefined);
    },

    /** Settles when every queued delivery is done. */
    async idle(): Promise<void> {
      while (queues.size > 0) await Promise.all([...queues.values()].map((queue) => queue.tail));
    },
  };
}

export type GatewaySender = ReturnType<typeof createGatewaySender>;
