/**
 * Delayed events (MSC4140), the "dead man's switch" Element Call hangs its calls on: a
 * client schedules its "leave" state event, keeps restarting the timer while it is in the
 * call, and if it crashes the server sends the leave when the timer runs out. Scheduled
 * events live in the database, so they survive a restart; due ones are sent at start.
 *
 * Modules: schedule.ts (PUT with a delay), manage.ts (restart/send/cancel), dispatch.ts (the
 * one timer and the sending), listing.ts (lookups). app.ts hands `restartDelayedEvent` and
 * `sendDelayedEvent` to the LiveKit service's leave delegation.
 * https://github.com/matrix-org/matrix-spec-proposals/pull/4140
 */
import type { DelayedEventsDeps } from "./delayed-event-deps.ts";
import { createDispatcher } from "./dispatch.ts";
import { createListing, FINALISED_PER_USER, FINALISED_RETENTION_MS } from "./listing.ts";
import { createManagement } from "./manage.ts";
import { createScheduling } from "./schedule.ts";

const CANCELLED_BY_DEACTIVATION = JSON.stringify({
  errcode: "M_USER_DEACTIVATED",
  error: "The user's account was deactivated",
});

export function createDelayedEvents(deps: DelayedEventsDeps) {
  const { stores, clock, logger } = deps;
  const store = stores.delayedEvents;
  const limits = deps.config.delayed_events;
  const enabled = limits.max_per_user > 0;
  const dispatcher = createDispatcher(deps);
  const management = createManagement(deps, dispatcher);

  return {
    ...createScheduling(deps, dispatcher),
    ...createListing(deps),
    manage: management.manage,
    /** Leave delegation's `DelayedEventActions`: no auth, no rate limit; false when nothing is scheduled under the id. */
    restartDelayedEvent: management.restart,
    sendDelayedEvent: management.send,
    cancelDelayedEvent: management.cancel,

    /** A deactivated user's scheduled events are dropped (they could only fail: the user left every room). */
    cancelAllOf(userId: string): void {
      stores
        .write(() => store.cancelAllOfUser(userId, clock.now(), CANCELLED_BY_DEACTIVATION))
        .catch((error: unknown) =>
          logger.error("cancelling a deactivated user's delayed events failed", {
            user_id: userId,
            error: String(error),
          }),
        );
    },

    /** Forgets finalised events past their retention (7 days, 1000 per user). */
    pruneFinalised(): number {
      return stores.transaction(() => store.pruneFinalised(clock.now() - FINALISED_RETENTION_MS, FINALISED_PER_USER));
    },

    /** Sends what is due now; the timer does this by itself, tests with a hand-moved clock call it. */
    sendDueEvents: dispatcher.sendDueEvents,
    start: dispatcher.start,
    stop: dispatcher.stop,

    /** `org.matrix.msc4140` in /versions: matrix-js-sdk schedules delayed leaves only when it is there. */
    unstableFeatures(): Record<string, boolean> {
      return enabled ? { "org.matrix.msc4140": true } : {};
    },

    /** MSC4140's capability under its unstable name (the stable `m.delayed_events` waits for the spec). */
    capabilities(): Record<string, unknown> {
      return enabled
        ? {
            "org.matrix.msc4140.delayed_events": {
              max_delay_ms: limits.max_delay_ms,
              max_scheduled: limits.max_per_user,
            },
          }
        : {};
    },
  };
}

export type DelayedEvents = ReturnType<typeof createDelayedEvents>;
