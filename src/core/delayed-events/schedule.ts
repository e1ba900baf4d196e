/**
 * Scheduling a delayed event: PUT /send or /state with `?org.matrix.msc4140.delay=<ms>`
 * (what clients use today), or MSC4140's final PUT /rooms/{roomId}/delayed_event/{type}/{txnId}.
 *
 * What can be checked now is checked now, as Synapse does: the delay and the user's limits,
 * the event's shape and size, and that the room exists and the user is in it. The
 * authorization rules and power levels are checked only when the event is sent (MSC4140:
 * "power levels are evaluated at the point of sending").
 * https://github.com/matrix-org/matrix-spec-proposals/pull/4140
 */
import { randomBytes } from "node:crypto";
import { MatrixError, forbidden } from "../../errors.ts";
import { EventType } from "../../matrix/event-types.ts";
import type { EventContent } from "../../matrix/pdu.ts";
import { checkEventShape } from "../rooms/event-limits.ts";
import { TransactionScope } from "../rooms/transaction-scopes.ts";
import type { Requester } from "../requester.ts";
import type { DelayedEventsDeps } from "./delayed-event-deps.ts";
import type { Dispatcher } from "./dispatch.ts";

export interface ScheduleRequest {
  roomId: string;
  type: string;
  /** undefined for a message event. */
  stateKey: string | undefined;
  content: EventContent;
  delayMs: number;
  /**
   * Which API asked, for its error shapes: "legacy" (the query parameter; the unstable errors
   * matrix-js-sdk understands) or "final" (the MSC's delayed_event endpoint).
   */
  api: "legacy" | "final";
  /** The request's txnId: a retry returns the same delay_id. PUT /state has none. */
  txnId?: string | undefined;
}

/** 128 random bits: the delay_id is the capability to restart, send or cancel the event. */
export const generateDelayId = () => randomBytes(16).toString("base64url");

export function createScheduling(deps: DelayedEventsDeps, dispatcher: Pick<Dispatcher, "arm">) {
  const { stores, clock } = deps;
  const store = stores.delayedEvents;
  const limits = deps.config.delayed_events;

  function checkDelay(delayMs: number, api: ScheduleRequest["api"]): void {
    if (!Number.isSafeInteger(delayMs) || delayMs < 1)
      throw new MatrixError("M_INVALID_PARAM", "The delay must be a positive integer number of milliseconds");
    if (delayMs <= limits.max_delay_ms) return;
    const message = `The requested delay (${delayMs} ms) exceeds the allowed maximum (${limits.max_delay_ms} ms)`;
    // matrix-js-sdk recognises only the unstable shape, and then retries with the maximum.
    if (api === "legacy") {
      throw new MatrixError("M_UNKNOWN", message, {
        "org.matrix.msc4140.errcode": "M_MAX_DELAY_EXCEEDED",
        "org.matrix.msc4140.max_delay": limits.max_delay_ms,
      });
    }
    throw new MatrixError("M_FORBIDDEN", message, { "org.matrix.msc4140.max_delay": limits.max_delay_ms });
  }

  /** The room must exist and the user be in it; own membership changes (joins, knocks) are left to the auth rules at sending time. */
  function checkRoom(userId: string, { roomId, type, stateKey }: ScheduleRequest): void {
    if (!stores.rooms.selectRoom(roomId)) throw forbidden(`${userId} is not in room ${roomId}`);
    if (type === EventType.RoomMember && stateKey === userId) return;
    if (stores.memberships.selectMembership(roomId, userId)?.membership !== "join")
      throw forbidden(`${userId} is not joined to room ${roomId}`);
  }

  /** 429 with Retry-After until enough of the user's events have been sent to make room for one more. */
  function checkCap(userId: string): void {
    const scheduled = store.countScheduledByUser(userId);
    if (scheduled < limits.max_per_user) return;
    const freedAt = store.selectScheduledSendTimesByUser(userId, scheduled - limits.max_per_user + 1).at(-1);
    const retryAfterMs = freedAt === undefined ? 0 : freedAt - clock.now();
    throw new MatrixError("M_LIMIT_EXCEEDED", "The maximum number of delayed events has been reached", {
      ...(retryAfterMs > 0 ? { retry_after_ms: retryAfterMs } : {}),
      "org.matrix.msc4140.errcode": "M_MAX_DELAYED_EVENTS_EXCEEDED",
    });
  }

  return {
    async schedule(requester: Requester, request: ScheduleRequest): Promise<{ delay_id: string }> {
      const { user_id: userId, device_id: deviceId } = requester;
      // PUT /send?delay= shares its transactions with PUT /send; the final endpoint has its own.
      const txn =
        request.txnId === undefined
          ? undefined
          : {
              scope: (request.api === "legacy" ? TransactionScope.send : TransactionScope.delayedEvent)(
                request.roomId,
                request.type,
              ),
              id: request.txnId,
            };
      const retried = txn && store.selectDelayIdByTxn(userId, deviceId, txn.scope, txn.id);
      if (retried) return { delay_id: retried };
      if (limits.max_per_user === 0) throw forbidden("Delayed events are switched off on this server");
      checkDelay(request.delayMs, request.api);
      // The checks the room engine would make that do not depend on the room at sending time.
      checkEventShape(request.type, request.stateKey, request.content);
      checkRoom(userId, request);
      // An appservice's sender, and its users when it says rate_limited: false, are exempt.
      deps.limiters.message.takeFor(requester, userId);
      const now = clock.now();
      const row = {
        delay_id: generateDelayId(),
        user_id: userId,
        device_id: deviceId,
        room_id: request.roomId,
        type: request.type,
        state_key: request.stateKey ?? null,
        content: JSON.stringify(request.content),
        delay_ms: request.delayMs,
        send_ts: now + request.delayMs,
        txn_scope: txn?.scope ?? null,
        txn_id: txn?.id ?? null,
        created_ts: now,
      };
      // The cap and the transaction are checked again in the write: nothing awaits between check and insert.
      const delayId = await stores.write(() => {
        const concurrent = txn && store.selectDelayIdByTxn(userId, deviceId, txn.scope, txn.id);
        if (concurrent) return concurrent;
        checkCap(userId);
        store.insertDelayedEvent(row);
        return row.delay_id;
      });
      if (delayId === row.delay_id) dispatcher.arm(row.send_ts);
      return { delay_id: delayId };
    },
  };
}
