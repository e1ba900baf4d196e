/**
 * The typed emitter through which the room engine announces events after their transaction
 * has committed. app.ts creates one and hands it to the engine and to its subscribers (the
 * sync notifier, the appservice queue).
 */
export interface AppendedEvent {
  room_id: string;
  event_id: string;
  stream_ordering: number;
  type: string;
  state_key: string | undefined;
  sender: string;
  /** content.membership of m.room.member events. */
  membership: string | undefined;
}

export type AppendedEventListener = (event: AppendedEvent) => void;

export function createAppendedEvents(onListenerError: (error: unknown, event: AppendedEvent) => void) {
  const listeners = new Set<AppendedEventListener>();
  return {
    /** Subscribes; the returned function unsubscribes. Listeners run synchronously after commit. */
    onEventAppended(listener: AppendedEventListener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    /** Called by the engine after commit; a failing listener neither stops the others nor the request. */
    emit(event: AppendedEvent): void {
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (error) {
          onListenerError(error, event);
        }
      }
    },
  };
}

export type AppendedEvents = ReturnType<typeof createAppendedEvents>;
