/**
 * What the appservice feed needs of the room engine, sized to this consumer: the stream of
 * stored events, their client format, and who and what a room has. app.ts hands in the
 * engine's implementation; until the rooms engine is wired, `noRoomEvents` stands in.
 */
export interface SourceEvent {
  stream_ordering: number;
  event_id: string;
  room_id: string;
  type: string;
  state_key: string | undefined;
  sender: string;
}

export interface AppserviceEventSource {
  /** Calls `listener` after new events were committed (the engine's onEventAppended); returns an unsubscribe. */
  onEventAppended(listener: () => void): () => void;
  /** Timeline events with stream_ordering > `after`, in stream order, at most `limit`. */
  eventsAfter(after: number, limit: number): SourceEvent[];
  /** The stream position of the newest event (0 when there is none). */
  latestPosition(): number;
  /** The event in the client-server format, as /transactions carries it; undefined if it is unknown. */
  clientEvent(eventId: string): Record<string, unknown> | undefined;
  joinedMembers(roomId: string): string[];
  joinedRooms(userId: string): string[];
  aliasesOf(roomId: string): string[];
}

export const noRoomEvents: AppserviceEventSource = {
  onEventAppended: () => () => {},
  eventsAfter: () => [],
  latestPosition: () => 0,
  clientEvent: () => undefined,
  joinedMembers: () => [],
  joinedRooms: () => [],
  aliasesOf: () => [],
};
