/** An ephemeral event as MSC2409 hands it to application services: m.typing and m.receipt with a room_id, m.presence with a sender. */
export interface EphemeralEvent {
  type: string;
  content: Record<string, unknown>;
  room_id?: string;
  sender?: string;
}
