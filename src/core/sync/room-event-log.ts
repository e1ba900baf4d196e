/**
 * The room-event stream's head and a bounded log of the room events announced recently. The
 * notifier appends each event after its commit, so everything up to the head has committed
 * and been announced; which rooms had events (or member changes) since a recent token is
 * read from the log rather than the database. Tokens older than the log fall back to
 * database queries.
 */
import type { AppendedEvent } from "../rooms/appended-event.ts";

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

export function createRoomEventLog(initial: number, logLimit = LOG_LIMIT) {
  let head = initial;
  let log: RecentEvent[] = [];
  /** The log holds every announced event after this position. */
  let logFrom = initial;

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
    /** The announced event head: what a response built now covers. */
    latest: () => head,

    /** After commit, for every event (the notifier's onRoomEvent). */
    append(
      event: Pick<AppendedEvent, "stream_ordering" | "room_id" | "type" | "state_key" | "sender" | "membership">,
    ): void {
      const entry: RecentEvent = {
        stream: event.stream_ordering,
        room_id: event.room_id,
        type: event.type,
        state_key: event.state_key,
        sender: event.sender,
        membership: event.membership,
      };
      // Announcements come in stream order; a straggler is put in its place all the same.
      if (log.length === 0 || log[log.length - 1]!.stream < entry.stream) log.push(entry);
      else log.splice(indexAfter(entry.stream), 0, entry);
      if (log.length > logLimit) {
        const dropped = log.length - Math.ceil(logLimit / 2);
        logFrom = log[dropped - 1]!.stream;
        log = log.slice(dropped);
      }
      head = Math.max(head, event.stream_ordering);
    },

    /** The announced events in (since, to], oldest first, or undefined when the log does not reach back to `since`. */
    eventsBetween(since: number, to: number): RecentEvent[] | undefined {
      if (since < logFrom) return undefined;
      if (since >= to) return [];
      return log.slice(indexAfter(since), indexAfter(to));
    },

    /**
     * Forgets the log and takes the database's position as the head: for events the
     * database holds that were never announced (a listener failed), so that sync does not
     * wait for them forever.
     */
    resync(databaseEvents: number): void {
      head = Math.max(head, databaseEvents);
      log = [];
      logFrom = head;
    },
  };
}

export type RoomEventLog = ReturnType<typeof createRoomEventLog>;
