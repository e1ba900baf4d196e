/**
 * Presence, kept in memory: each local user's state (online, unavailable, offline), status
 * message and last activity, and a position that moves with every change /sync must send.
 * Syncing marks a user online (unless `set_presence` says otherwise); sending events counts
 * as activity; a timer (`sweep`) turns users idle after `presence_idle_timeout_s` without
 * activity and offline after `presence_offline_timeout_s` without any /sync. Only state and
 * status changes move the position: last_active_ago is computed when read, so activity alone
 * wakes nobody. With `allow_local_presence = false` nothing is recorded and everyone reads
 * as offline, as Synapse does with presence disabled. A restart forgets presence: users show
 * as offline until their clients sync again.
 * https://spec.matrix.org/v1.19/client-server-api/#presence
 */
import type { Config } from "../../config.ts";
import { forbidden } from "../../errors.ts";
import type { Clock } from "../clock.ts";
import type { Requester } from "../requester.ts";

export type PresenceState = "online" | "unavailable" | "offline";

/** `m.presence` content and the body of GET /presence/{userId}/status. */
export interface PresenceContent {
  presence: PresenceState;
  last_active_ago?: number;
  currently_active?: boolean;
  status_msg?: string;
}

interface PresenceRecord {
  presence: PresenceState;
  status_msg: string | undefined;
  last_active_ts: number;
  /** /sync requests of the user in flight. */
  syncing: number;
  /** When a /sync last ended or the presence was last set. */
  last_seen_ts: number;
  position: number;
}

/** A user active within this window is `currently_active` (Synapse's granularity). */
const CURRENTLY_ACTIVE_MS = 60_000;

export interface PresenceDeps {
  config: Pick<Config, "allow_local_presence" | "presence_idle_timeout_s" | "presence_offline_timeout_s">;
  clock: Clock;
  /** Called after a user's presence changed (the notifier wakes users sharing a room). */
  onChange: (userId: string) => void;
  /** Whether two users share a joined room: presence is only shown to them. */
  sharesRoom: (userId: string, otherUserId: string) => boolean;
}

export function createPresence({ config, clock, onChange, sharesRoom }: PresenceDeps) {
  const enabled = config.allow_local_presence;
  const idleMs = config.presence_idle_timeout_s * 1000;
  const offlineMs = config.presence_offline_timeout_s * 1000;
  const records = new Map<string, PresenceRecord>();
  /** Every change in position order, so that "changed since" reads only the tail (compacted as it grows). */
  let log: { position: number; userId: string }[] = [];
  // Starts at the clock so that positions keep growing across restarts (see typing.ts).
  let position = clock.now();

  function recordOf(userId: string): PresenceRecord {
    let record = records.get(userId);
    if (record === undefined) {
      const now = clock.now();
      records.set(
        userId,
        (record = {
          presence: "offline",
          status_msg: undefined,
          last_active_ts: now,
          syncing: 0,
          last_seen_ts: now,
          position: 0,
        }),
      );
    }
    return record;
  }

  function update(
    userId: string,
    record: PresenceRecord,
    presence: PresenceState,
    statusMsg = record.status_msg,
  ): void {
    if (record.presence === presence && record.status_msg === statusMsg) return;
    record.presence = presence;
    record.status_msg = statusMsg;
    record.position = ++position;
    log.push({ position, userId });
    if (log.length > 4 * records.size + 64) {
      log = [...records]
        .filter(([, r]) => r.position > 0)
        .map(([id, r]) => ({ position: r.position, userId: id }))
        .sort((a, b) => a.position - b.position);
    }
    onChange(userId);
  }

  function setPresence(userId: string, presence: PresenceState, statusMsg: string | undefined): void {
    if (!enabled) return;
    const record = recordOf(userId);
    const now = clock.now();
    record.last_seen_ts = now;
    if (presence === "online") record.last_active_ts = now;
    update(userId, record, presence, statusMsg);
  }

  function presenceOf(userId: string): PresenceContent {
    const record = enabled ? records.get(userId) : undefined;
    if (record === undefined) return { presence: "offline" };
    const ago = Math.max(0, clock.now() - record.last_active_ts);
    const content: PresenceContent = {
      presence: record.presence,
      last_active_ago: ago,
      currently_active: record.presence === "online" && ago < CURRENTLY_ACTIVE_MS,
    };
    if (record.status_msg !== undefined) content.status_msg = record.status_msg;
    return content;
  }

  return {
    enabled,
    setPresence,
    presenceOf,

    /** PUT /presence/{userId}/status: one's own only. A missing status_msg clears it. */
    setStatus(requester: Requester, userId: string, presence: PresenceState, statusMsg: string | undefined): void {
      if (requester.user_id !== userId) throw forbidden("You cannot set another user's presence");
      setPresence(userId, presence, statusMsg);
    },

    /** GET /presence/{userId}/status: one's own, or that of a user sharing a room. */
    getStatus(requester: Requester, userId: string): PresenceContent {
      if (requester.user_id !== userId && !sharesRoom(requester.user_id, userId))
        throw forbidden("You do not share a room with this user");
      return presenceOf(userId);
    },

    /**
     * A /sync request begins; `setPresence` is its query parameter (online by default).
     * Returns the function to call when it ends. An offline user comes online; a client
     * asking for "unavailable" turns an online user idle; "offline" changes nothing.
     */
    syncStarted(userId: string, setPresence: PresenceState = "online"): () => void {
      if (!enabled) return () => {};
      const record = recordOf(userId);
      record.syncing++;
      if (setPresence === "online" && record.presence === "offline") {
        record.last_active_ts = clock.now();
        update(userId, record, "online");
      } else if (setPresence === "unavailable" && record.presence === "online") {
        update(userId, record, "unavailable");
      }
      return () => {
        record.syncing--;
        record.last_seen_ts = clock.now();
      };
    },

    /** The user did something (sent an event): active now, and online again if idle. */
    userActive(userId: string): void {
      if (!enabled) return;
      const record = recordOf(userId);
      record.last_active_ts = clock.now();
      if (record.presence !== "online") update(userId, record, "online");
    },

    /** Idle and offline transitions; run every few seconds off the request path. */
    sweep(): void {
      const now = clock.now();
      for (const [userId, record] of records) {
        if (record.presence === "online" && now - record.last_active_ts >= idleMs)
          update(userId, record, "unavailable");
        if (record.presence !== "offline" && record.syncing === 0 && now - record.last_seen_ts >= offlineMs)
          update(userId, record, "offline");
      }
    },

    /** Users whose presence changed after `since`. */
    changedSince(since: number): string[] {
      if (!enabled || since >= position) return [];
      let low = 0;
      let high = log.length;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if (log[middle]!.position > since) high = middle;
        else low = middle + 1;
      }
      return [...new Set(log.slice(low).map((entry) => entry.userId))];
    },

    position: () => position,
  };
}

export type Presence = ReturnType<typeof createPresence>;
