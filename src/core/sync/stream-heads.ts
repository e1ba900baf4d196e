/**
 * The head of every stream, advanced by the same after-commit signals that wake the
 * notifier, and a bounded log of the room events announced recently. A /sync response
 * covers the heads as they stand when it is built, so everything up to them has committed
 * and been announced; "nothing changed in this stream since the token" is a comparison, and
 * which rooms had events (or member changes) since a recent token is read from the log
 * rather than the database. Tokens older than the log fall back to database queries.
 */
import type { AppendedEvent } from "../rooms/appended-event.ts";
import type { SyncPositions, SyncStream } from "./sync-token.ts";

/** An announced room event, as the streams need it. */
export interface RecentEvent {
  stream: number;
  room_id: string;
  type: string;
  state_key: string | undefined;
  sender: string;
  membership: string | undefined;
}

/** Events kept in the log: a few minutes of a busy server, a few MiB. */
const LOG_LIMIT = 20_000;

export function createStreamHeads(initial: Omit<SyncPositions, "toDevice">, logLimit = LOG_LIMIT) {
  const heads: SyncPositions = { ...initial, toDevice: 0 };
  let log: RecentEvent[] = [];
  /** The log holds every announced event after this position. */
  let logFrom = initial.events;

  /** The index of the first logged event after `stream`. */
  function indexAfter(stream: number): number {
    let low = 0;
    let high = log.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (log[middle]!.stream > stream) high = middle;
      else low = middle + 1;
    }
    return low;
  }

  return {
    /** The positions a response built now covers (to-device is per device: the stream sets it). */
    snapshot: (): SyncPositions => ({ ...heads }),
    eventHead: () => heads.events,

    eventAppended(event: Pick<AppendedEvent, "stream_ordering" | "room_id" | "type" | "state_key" | "sender" | "membership">): void {
      const entry: RecentEvent = {
        stream: event.stream_ordering, room_id: event.room_id, type: event.type, state_key: event.state_key, sender: event.sender, membership: event.membership,
      };
      // Announcements come in stream order; a straggler is put in its place all the same.
      if (log.length === 0 || log[log.length - 1]!.stream < entry.stream) log.push(entry);
      else log.splice(indexAfter(entry.stream), 0, entry);
      if (log.length > logLimit) {
        const dropped = log.length - Math.ceil(logLimit / 2);
        logFrom = log[dropped - 1]!.stream;
        log = log.slice(dropped);
      }
      heads.events = Math.max(heads.events, event.stream_ordering);
    },

    /** A stream other than events moved (account data, push rules, receipts, device lists, typing, presence). */
    advance(stream: Exclude<SyncStream, "events" | "toDevice">, position: number): void {
      heads[stream] = Math.max(heads[stream], position);
    },

    /** The announced events in (since, to], oldest first, or undefined when the log does not reach back to `since`. */
    eventsBetween(since: number, to: number): RecentEvent[] | undefined {
      if (since < logFrom) return undefined;
      if (since >= to) return [];
      return log.slice(indexAfter(since), indexAfter(to));
    },

    /**
     * Forgets the log and takes the database's position as the event head: for events the
     * database holds that were never announced (a listener failed), so that sync does not
     * wait for them forever.
     */
    resync(databaseEvents: number): void {
      heads.events = Math.max(heads.events, databaseEvents);
      log = [];
      logFrom = heads.events;
    },
  };
}

export type StreamHeads = ReturnType<typeof createStreamHeads>;
