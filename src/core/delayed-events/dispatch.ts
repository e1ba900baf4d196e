/**
 * Sending delayed events: when they fall due, and when a client asks (`send`).
 *
 * One timer serves every scheduled event: a timer on the clock (`setTimer`) armed for the
 * earliest due time in the table. Scheduling an earlier event re-arms it; restarting,
 * cancelling or sending one never needs to, since those only make events due later or not
 * at all — the timer then wakes once for nothing and re-arms for the new earliest time (one
 * index lookup). There is no polling and no timer per event, so thousands of scheduled
 * events cost one timer.
 *
 * An event is sent through the room engine exactly as PUT /send or /state would send it,
 * as its user and scheduling device, with the authorization rules and power levels of the
 * moment. The event and the row's finalisation commit in one transaction: a send is never
 * lost or repeated, also across a crash (Synapse admits double sends there). An event that
 * fails when due is finalised with its error and not retried, as MSC4140 says.
 * https://github.com/matrix-org/matrix-spec-proposals/pull/4140
 */
import { MatrixError } from "../../errors.ts";
import { runGuarded } from "../background-tasks.ts";
import type { EventContent } from "../../matrix/pdu.ts";
import type { DelayedEventReason } from "../../storage/delayed-events.ts";
import { setTimer } from "../clock.ts";
import { errorResponseOf, type DelayedEventsDeps } from "./delayed-event-deps.ts";

/** setTimeout's largest delay; a later due time is re-checked when it runs out. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Events sent per wake-up; more due ones are sent on the next turn. */
const BATCH = 100;
/** After a failed commit (disk full, I/O error), wait this long before trying again. */
const RETRY_AFTER_FAILURE_MS = 1000;

export type SendOutcome =
  | { status: "sent"; event_id: string }
  | { status: "failed"; error: Record<string, unknown> }
  /** Not scheduled (any more): sent, cancelled or never known. */
  | { status: "gone" };

export function createDispatcher({
  stores,
  sending,
  clock,
  logger,
}: Pick<DelayedEventsDeps, "stores" | "sending" | "clock" | "logger">) {
  const store = stores.delayedEvents;
  let cancelTimer: (() => void) | undefined;
  let armedAt: number | undefined;
  let running = false;

  /** Makes sure the timer wakes by `at`. */
  function arm(at: number): void {
    if (!running || (armedAt !== undefined && armedAt <= at)) return;
    cancelTimer?.();
    armedAt = at;
    cancelTimer = setTimer(clock, wake, Math.min(MAX_TIMER_MS, Math.max(0, at - clock.now())));
  }

  /** Arms for the earliest scheduled event, but not sooner than `notBefore`. */
  function armForNext(notBefore = 0): void {
    const next = store.selectNextSendTs();
    if (next !== undefined) arm(Math.max(next, notBefore));
  }

  /** The timer's callback: a failure (the database busy, say) is logged and tried again shortly, never thrown. */
  function wake(): void {
    cancelTimer = undefined;
    armedAt = undefined;
    void runGuarded(logger, "sending due delayed events", sendDueEvents).then((ok) => {
      if (!ok) arm(clock.now() + RETRY_AFTER_FAILURE_MS);
    });
  }

  /**
   * Sends one scheduled event now. `reason` "delay": it fell due, and a failure finalises it
   * with the error. "action": a client asked, and a failure is thrown to that client while
   * the event stays scheduled (MSC4140: the cause may be gone by its due time).
   */
  function sendScheduled(delayId: string, reason: Exclude<DelayedEventReason, "error">): Promise<SendOutcome> {
    return sending.write((send): SendOutcome => {
      const row = store.selectDelayedEvent(delayId);
      if (!row || row.finalised_ts !== null) return { status: "gone" };
      const now = clock.now();
      const requester = { user_id: row.user_id, device_id: row.device_id, is_guest: false };
      const content = JSON.parse(row.content) as EventContent;
      try {
        // A savepoint of its own: a refused event leaves nothing behind, and its row can still be finalised.
        const eventId = stores.savepoint(() =>
          send(requester, row.room_id, row.type, row.state_key ?? undefined, content),
        );
        store.finalise(delayId, now, { outcome: "send", reason, event_id: eventId });
        return { status: "sent", event_id: eventId };
      } catch (error) {
        if (reason === "action") throw error;
        const response = errorResponseOf(error);
        store.finalise(delayId, now, { outcome: "cancel", reason: "error", error: JSON.stringify(response) });
        // The delay_id is a capability: it stays out of the log.
        const fields = {
          room_id: row.room_id,
          type: row.type,
          user_id: row.user_id,
          errcode: String(response.errcode),
        };
        if (error instanceof MatrixError)
          logger.info("a delayed event was refused when it fell due; it is dropped", {
            ...fields,
            error: error.message,
          });
        else
          logger.error("sending a delayed event failed; it is dropped", {
            ...fields,
            error: error instanceof Error ? (error.stack ?? error.message) : String(error),
          });
        return { status: "failed", error: response };
      }
    });
  }

  /** Sends the events due now, in the order they fell due, and arms the timer for the next. */
  async function sendDueEvents(): Promise<number> {
    const due = store.selectDue(clock.now(), BATCH);
    // Each write runs synchronously here, in due order; they share this turn's commit.
    const sends = due.map((row) => sendScheduled(row.delay_id, "delay"));
    armForNext();
    const results = await Promise.allSettled(sends);
    const failed = results.filter((result) => result.status === "rejected");
    if (failed.length > 0) {
      logger.error("delayed events could not be stored as sent; retrying", {
        count: failed.length,
        error: String(failed[0]?.reason),
      });
      armForNext(clock.now() + RETRY_AFTER_FAILURE_MS);
    }
    return due.length;
  }

  return {
    arm,
    sendScheduled,
    sendDueEvents,
    /** Sends what fell due while the server was down (in order) and arms the timer. */
    start(): void {
      running = true;
      armForNext();
    },
    stop(): void {
      running = false;
      cancelTimer?.();
      cancelTimer = undefined;
      armedAt = undefined;
    },
  };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;
