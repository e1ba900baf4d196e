/**
 * Managing a scheduled delayed event: restart its timer, send it now, or cancel it.
 *
 * Two generations of answers, one per API family:
 * - "unstable" (POST /unstable/org.matrix.msc4140/delayed_events/{id}[/{action}]), what
 *   matrix-js-sdk and lk-jwt-service speak: no access token needed (the delay_id is the
 *   capability) and 404 M_NOT_FOUND for anything not scheduled, except `send` of an event
 *   already sent (200, so retries are safe) or already failed (its error). js-sdk reads the
 *   404 on `restart` as "my delayed leave is gone" and schedules a new one;
 * - "v1" (POST /v1/delayed_events/{id}/{action}), MSC4140 as merged: authenticated, the
 *   user's own events only, an action matching a finalised event's outcome is 200 and a
 *   conflicting one 409 M_UNKNOWN.
 * https://github.com/matrix-org/matrix-spec-proposals/pull/4140
 */
import { MatrixError } from "../../errors.ts";
import type { DelayedEventRow } from "../../storage/delayed-events.ts";
import type { Requester } from "../requester.ts";
import { delayedEventNotFound, type DelayedEventsDeps } from "./delayed-event-deps.ts";
import type { Dispatcher } from "./dispatch.ts";

export const DELAYED_EVENT_ACTIONS = ["restart", "send", "cancel"] as const;
export type DelayedEventAction = (typeof DELAYED_EVENT_ACTIONS)[number];
export type ManagementApi = "unstable" | "v1";

export const isDelayedEventAction = (value: string): value is DelayedEventAction =>
  (DELAYED_EVENT_ACTIONS as readonly string[]).includes(value);

export function createManagement(deps: DelayedEventsDeps, dispatcher: Pick<Dispatcher, "arm" | "sendScheduled">) {
  const { stores, clock } = deps;
  const store = stores.delayedEvents;

  /** The hot path (every 4–5 s per call participant): one indexed UPDATE, committed with the turn's other writes. */
  async function restart(delayId: string): Promise<boolean> {
    const sendTs = await stores.write(() => store.restartDelayedEvent(delayId, clock.now()));
    if (sendTs === undefined) return false;
    dispatcher.arm(sendTs);
    return true;
  }

  async function cancel(delayId: string): Promise<boolean> {
    return stores.write(() => store.finalise(delayId, clock.now(), { outcome: "cancel", reason: "action" }));
  }

  /** Sends now; false when not scheduled; the room engine's error when the event is refused (it stays scheduled). */
  async function send(delayId: string): Promise<boolean> {
    return (await dispatcher.sendScheduled(delayId, "action")).status === "sent";
  }

  const perform = (action: DelayedEventAction, delayId: string) =>
    action === "restart" ? restart(delayId) : action === "send" ? send(delayId) : cancel(delayId);

  /** Why an action found nothing to do, in the unstable API's words. */
  function unstableAnswer(action: DelayedEventAction, row: DelayedEventRow | undefined): Record<string, never> {
    if (action === "send" && row?.outcome === "send") return {};
    if (action === "send" && row?.reason === "error" && row.error !== null) {
      const { errcode, error, ...extra } = JSON.parse(row.error) as { errcode: string; error: string };
      throw new MatrixError(errcode as MatrixError["errcode"], error, extra);
    }
    throw delayedEventNotFound();
  }

  /** The final MSC: retrying an action that matches the outcome succeeds; anything else conflicts. */
  function v1Answer(action: DelayedEventAction, row: DelayedEventRow): Record<string, never> {
    if (row.outcome === action) return {};
    throw new MatrixError(
      "M_UNKNOWN",
      `The delayed event was already ${row.outcome === "send" ? "sent" : "cancelled"}`,
      {},
      409,
    );
  }

  return {
    restart,
    send,
    cancel,

    /**
     * An action requested over HTTP: rate-limited per user (appservices' exempt users
     * excepted), or per delay_id without a token.
     */
    async manage(
      api: ManagementApi,
      requester: Requester | undefined,
      delayId: string,
      action: DelayedEventAction,
    ): Promise<Record<string, never>> {
      if (requester) deps.limiters.management.takeFor(requester, requester.user_id);
      else deps.limiters.management.take(`delay_id:${delayId}`);
      if (api === "v1") {
        const row = store.selectDelayedEvent(delayId);
        if (!row || row.user_id !== requester?.user_id) throw delayedEventNotFound();
        if (row.finalised_ts !== null) return v1Answer(action, row);
      }
      if (await perform(action, delayId)) return {};
      const row = store.selectDelayedEvent(delayId);
      return api === "v1" && row ? v1Answer(action, row) : unstableAnswer(action, row);
    },
  };
}
