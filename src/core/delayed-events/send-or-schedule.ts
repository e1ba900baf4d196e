/**
 * PUT /send and PUT /state as a client calls them: now, or later when the request carries
 * `?org.matrix.msc4140.delay=<ms>` (the query parameter clients use today; MSC4140). Decided
 * here, so that the routes make one call each.
 * https://github.com/matrix-org/matrix-spec-proposals/pull/4140
 */
import { MatrixError } from "../../errors.ts";
import type { EventContent } from "../../matrix/pdu.ts";
import type { Requester } from "../requester.ts";
import type { RoomServices } from "../rooms/index.ts";
import type { ScheduleRequest } from "./schedule.ts";

/** The MSC4140 query parameters of PUT /send and /state, as the client sent them. */
export interface DelayParameters {
  /** Milliseconds, as the query's digits. */
  delay?: string | undefined;
  /** An early draft's grouping of delayed events; refused. */
  parentDelayId?: string | undefined;
}

function delayOf({ delay, parentDelayId }: DelayParameters): number | undefined {
  if (parentDelayId !== undefined)
    throw new MatrixError("M_INVALID_PARAM", "org.matrix.msc4140.parent_delay_id is not supported");
  return delay === undefined ? undefined : Number(delay);
}

export function createSendOrSchedule(
  rooms: Pick<RoomServices["rooms"], "send" | "setState">,
  scheduling: { schedule(requester: Requester, request: ScheduleRequest): Promise<{ delay_id: string }> },
) {
  return {
    /** PUT /rooms/{roomId}/send/{eventType}/{txnId}: {event_id}, or {delay_id} when delayed. */
    send(
      requester: Requester,
      roomId: string,
      type: string,
      txnId: string,
      content: EventContent,
      delay: DelayParameters = {},
    ): Promise<{ event_id?: string; delay_id?: string }> {
      const delayMs = delayOf(delay);
      if (delayMs === undefined) return rooms.send(requester, roomId, type, txnId, content);
      return scheduling.schedule(requester, {
        roomId,
        type,
        stateKey: undefined,
        content,
        delayMs,
        api: "legacy",
        txnId,
      });
    },

    /** PUT /rooms/{roomId}/state/{eventType}/{stateKey}: {event_id}, or {delay_id} when delayed. */
    setState(
      requester: Requester,
      roomId: string,
      type: string,
      stateKey: string,
      content: EventContent,
      delay: DelayParameters = {},
    ): Promise<{ event_id?: string; delay_id?: string }> {
      const delayMs = delayOf(delay);
      if (delayMs === undefined) return rooms.setState(requester, roomId, type, stateKey, content);
      return scheduling.schedule(requester, { roomId, type, stateKey, content, delayMs, api: "legacy" });
    },
  };
}
