/**
 * An event the room engine has stored, in the one shape every hook and listener receives:
 * the PDU, where it landed (stream position, thread) and the fields most listeners switch on.
 * What the engine runs on each append is listed in core/append-pipeline.ts.
 */
import type { Pdu } from "../../matrix/pdu.ts";

export interface AppendedEvent {
  event_id: string;
  room_id: string;
  /** The global order of events: sync's "after N". */
  stream_ordering: number;
  type: string;
  state_key: string | undefined;
  sender: string;
  /** content.membership of m.room.member events. */
  membership: string | undefined;
  /** The root of the thread the event is in (persist-event.ts); undefined for the main timeline. */
  thread_id: string | undefined;
  pdu: Pdu;
}

/** Reads of the room's current state that hooks inside the transaction may need (the engine's parsed cache). */
export interface RoomStateView {
  currentStateEvent(roomId: string, type: string, stateKey: string): { event_id: string; pdu: Pdu } | undefined;
}

/**
 * Runs inside the room's transaction, right after the event is stored: what it writes commits
 * or rolls back with the event. A throw refuses the whole write.
 */
export type WithinTransactionHook = (event: AppendedEvent, room: RoomStateView) => void;

/** Runs after the commit, once per appended event in stream order; a throw is logged, never returned to the writer. */
export type AfterCommitHook = (event: AppendedEvent) => void;

export interface AppendHooks {
  withinTransaction: readonly WithinTransactionHook[];
  afterCommit: readonly AfterCommitHook[];
}
