/**
 * The append pipeline: everything that happens when a room event is stored, in the order it
 * happens. The room engine (rooms/room-engine.ts) receives these lists when it is built and
 * runs them for every event it appends, whoever appends it (a client's /send, a membership
 * change, a delayed event falling due; later, events that arrive over federation).
 *
 * Inside the room's transaction (what a hook writes commits or rolls back with the event):
 *   1. delayed events: another user's state change cancels theirs for the same state;
 *   2. push: each local member's push rules are evaluated and unread counts recorded;
 *   3. application services: the event is queued in the outbox of each interested one.
 *   (Federation's outgoing queue joins here.)
 *
 * After the commit (the event is durable; a failing hook is logged, the request succeeds):
 *   1. eventAppended: sync moves its event stream and wakes the long-polls of the room;
 *   2. push: the notified users' pushers hear of it through the push gateway;
 *   3. application services: the ones the event was queued for are woken.
 */
import type { Clock } from "./clock.ts";
import { cancelDelayedStateOfOthers } from "./delayed-events/state-cancellation.ts";
import type { AfterCommitHook, AppendHooks, WithinTransactionHook } from "./rooms/appended-event.ts";
import type { Signals } from "./signals.ts";
import type { Stores } from "../storage/index.ts";

export interface AppendPipelineDeps {
  stores: Pick<Stores, "delayedEvents">;
  clock: Clock;
  signals: Pick<Signals, "eventAppended">;
  push: { evaluate: WithinTransactionHook; sendToGateway: AfterCommitHook };
  appservices: { queueEvent: WithinTransactionHook; wakeQueued: AfterCommitHook };
}

export function appendPipeline({ stores, clock, signals, push, appservices }: AppendPipelineDeps): AppendHooks {
  return {
    withinTransaction: [cancelDelayedStateOfOthers(stores, clock), push.evaluate, appservices.queueEvent],
    afterCommit: [(event) => signals.eventAppended.emit(event), push.sendToGateway, appservices.wakeQueued],
  };
}
