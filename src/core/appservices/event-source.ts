/**
 * What the appservice queue needs to know about rooms, sized to this consumer: the client
 * format of an event, and who and what a room has. room-event-source.ts implements it on the
 * stores and the timeline's serializer. Room events themselves reach the queue through the
 * append hooks (core/append-pipeline.ts).
 */
export interface AppserviceEventSource {
  /** The event in the client-server format, as /transactions carries it; undefined if it is unknown. */
  clientEvent(eventId: string): Record<string, unknown> | undefined;
  joinedMembers(roomId: string): string[];
  joinedRooms(userId: string): string[];
  aliasesOf(roomId: string): string[];
}
