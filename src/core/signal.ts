/**
 * The one listener mechanism of core: a typed signal. The area that changes something emits
 * after its commit; whoever cares subscribes. A failing listener is logged and neither stops
 * the others nor reaches the emitter: the change is committed, the request has succeeded.
 * The signals themselves are declared in signals.ts, the table in docs/architecture.md.
 */
import type { Logger } from "../logger.ts";
import { describeError } from "./background-tasks.ts";

export type Listener<T> = (value: T) => void;

export interface Signal<T> {
  /** Subscribes; the returned function unsubscribes. Listeners run synchronously, in order. */
  subscribe(listener: Listener<T>): () => void;
  emit(value: T): void;
}

export function createSignal<T>(name: string, logger: Pick<Logger, "error">): Signal<T> {
  const listeners = new Set<Listener<T>>();
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(value) {
      for (const listener of listeners) {
        try {
          listener(value);
        } catch (error) {
          logger.error(`a listener of ${name} failed`, { error: describeError(error) });
        }
      }
    },
  };
}
