/**
 * The append hook of delayed events, run inside each append's transaction
 * (core/append-pipeline.ts). A state change cancels the delayed events other users scheduled
 * for the same (room, type, state_key), but not the sender's own: Element Call schedules its
 * leave first and then sends its membership to the same key (Synapse PR #17810; MSC4140
 * "cancelling delayed state events by a more recent state event"). A delayed event being
 * sent counts as a change by its user.
 */
import type { Stores } from "../../storage/index.ts";
import type { Clock } from "../clock.ts";
import type { WithinTransactionHook } from "../rooms/appended-event.ts";

/** MSC4140's unstable error for a delayed state event cancelled because another user changed that state. */
const CANCELLED_BY_STATE_UPDATE = JSON.stringify({
  errcode: "M_UNKNOWN",
  "org.matrix.msc4140.errcode": "M_CANCELLED_BY_STATE_UPDATE",
  error: "The delayed event was not sent because a different user updated the same state",
});

export function cancelDelayedStateOfOthers(stores: Pick<Stores, "delayedEvents">, clock: Clock): WithinTransactionHook {
  return (event) => {
    if (event.state_key === undefined) return;
    stores.delayedEvents.cancelStateEventsOfOthers(
      event.room_id,
      event.type,
      event.state_key,
      event.sender,
      clock.now(),
      CANCELLED_BY_STATE_UPDATE,
    );
  };
}
