/**
 * What the appservice queue needs of the room engine, sized to this consumer: a hook inside
 * the transaction that stores each event (so that queueing commits or rolls back with the
 * event), the client format of an event, and who and what a room has.
 * room-event-source.ts implements it on the rooms engine.
 */
export interface SourceEvent {
  event_id: string;
  room_id: string;
  type: string;
  state_key: string | undefined;
  sender: string;
}

/** Runs inside the append transaction; what it returns runs after the commit. */
export type WithinAppend = (event: SourceEvent) => (() => void) | void;

export interface AppserviceEventSource {
  onWithinAppend(listener: WithinAppend): void;
  /** The event in the client-server format, as /transactions carries it; undefined if it is unknown. */
  clientEvent(eventId: string): Record<string, unknown> | undefined;
  joinedMembers(roomId: string): string[];
  joinedRooms(userId: string): string[];
  aliasesOf(roomId: string): string[];
}
