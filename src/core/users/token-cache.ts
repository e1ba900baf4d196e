/**
 * Access tokens recently authenticated, so that a request costs a Map lookup instead of a
 * three-table query (~7 µs, mostly SQLite opening a read transaction per statement).
 *
 * Correctness rests on exact invalidation: every place a token dies calls `forgetDevices`
 * or `forgetUser` (core/users/sessions.ts, devices.ts), in the same synchronous turn as the
 * write, so no request can see the old entry afterwards. Two safety nets stay cheap:
 * - another process writing the database (the `bunduit user` CLI deactivating a user or
 *   resetting a password while the server runs) empties the cache: `externalWrites`
 *   (SQLite's data_version) is polled at most once per EXTERNAL_CHECK_MS;
 * - an entry is re-read from the database after MAX_AGE_MS whatever happens.
 * Entries are keyed by the token's sha256, not the token: a heap dump holds no bearer token.
 * Only valid tokens are cached; unknown and deactivated ones go to the database each time.
 */
import type { Clock } from "../clock.ts";
import type { Requester } from "../requester.ts";

export interface CachedToken {
  /** Frozen: every request with the token gets this same object. */
  requester: Readonly<Requester>;
  expires_ts: number | null;
  refresh_token_hash: Uint8Array | null;
  /** Spent (and cleared here) on the token's first use after /refresh. */
  previous_refresh_hash: Uint8Array | null;
  /** The device's key in the last-seen batch, built once. */
  last_seen_key: string;
  /** When the entry was read from the database. */
  loaded_ts: number;
}

const MAX_AGE_MS = 60_000;
const EXTERNAL_CHECK_MS = 1_000;

export function createTokenCache(clock: Clock, externalWrites: () => number, capacity = 10_000) {
  // Two generations instead of a strict LRU: a hit in `old` is copied into `young`, and a full
  // `young` becomes `old`, dropping the previous `old`. Hot tokens survive; a hit never
  // reorders a Map (delete + set on a JSC Map costs microseconds once it has tombstones).
  let young = new Map<string, CachedToken>();
  let old = new Map<string, CachedToken>();
  let version = externalWrites();
  let checkedTs = clock.now();

  function clear(): void {
    young = new Map();
    old = new Map();
  }

  function noticeExternalWrites(now: number): void {
    if (now - checkedTs < EXTERNAL_CHECK_MS) return;
    checkedTs = now;
    const current = externalWrites();
    if (current !== version) {
      version = current;
      clear();
    }
  }

  function forgetWhere(matches: (entry: CachedToken) => boolean): void {
    for (const generation of [young, old]) {
      for (const [key, entry] of generation) if (matches(entry)) generation.delete(key);
    }
  }

  return {
    get(key: string): CachedToken | undefined {
      const now = clock.now();
      noticeExternalWrites(now);
      let entry = young.get(key);
      if (entry === undefined) {
        entry = old.get(key);
        if (entry === undefined) return undefined;
        young.set(key, entry);
      }
      return now - entry.loaded_ts < MAX_AGE_MS ? entry : undefined;
    },

    set(key: string, entry: CachedToken): void {
      if (young.size >= capacity / 2) {
        old = young;
        young = new Map();
      }
      young.set(key, entry);
      old.delete(key);
    },

    forgetToken(key: string): void {
      young.delete(key);
      old.delete(key);
    },

    /** After devices (and with them their tokens) were deleted, or their tokens revoked. */
    forgetDevices(userId: string, deviceIds: readonly string[]): void {
      if (deviceIds.length > 0)
        forgetWhere(({ requester }) => requester.user_id === userId && deviceIds.includes(requester.device_id));
    },

    /** After a change to the user that authentication reads (deactivation, guest upgrade). */
    forgetUser(userId: string): void {
      forgetWhere(({ requester }) => requester.user_id === userId);
    },
  };
}

export type TokenCache = ReturnType<typeof createTokenCache>;
