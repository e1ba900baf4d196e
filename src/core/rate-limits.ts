/**
 * Token-bucket rate limits kept in memory, one bucket per key (a user id, an IP address).
 * A bucket holds up to `burst` tokens and refills at `per_second`; a request takes one.
 * Over the limit: 429 M_LIMIT_EXCEEDED with retry_after_ms (the matrix-errors plugin adds
 * the Retry-After header).
 * https://spec.matrix.org/v1.19/client-server-api/#rate-limiting
 */
import type { Config } from "../config.ts";
import { MatrixError } from "../errors.ts";
import type { Clock } from "./clock.ts";
import type { Requester } from "./requester.ts";

export interface BucketSettings {
  per_second: number;
  burst: number;
}

/** Beyond this many keys, full buckets (which carry no information) are dropped. */
const PRUNE_THRESHOLD = 10_000;

export function createRateLimiter(settings: BucketSettings, clock: Clock, enabled = true) {
  const buckets = new Map<string, { tokens: number; updated: number }>();

  function refill(key: string, now: number) {
    const bucket = buckets.get(key);
    if (!bucket) return { tokens: settings.burst, updated: now };
    const tokens = Math.min(settings.burst, bucket.tokens + ((now - bucket.updated) / 1000) * settings.per_second);
    return { tokens, updated: now };
  }

  function prune(now: number) {
    for (const key of buckets.keys()) {
      if (refill(key, now).tokens >= settings.burst) buckets.delete(key);
    }
  }

  function emptyBucket(keys: string[], now: number) {
    for (const key of keys) {
      const bucket = refill(key, now);
      if (bucket.tokens < 1) return bucket;
    }
    return undefined;
  }

  function exceeded(tokens: number): MatrixError {
    const retryAfterMs = Math.ceil(((1 - tokens) / settings.per_second) * 1000);
    return new MatrixError("M_LIMIT_EXCEEDED", "Too many requests", { retry_after_ms: retryAfterMs });
  }

  /** Throws M_LIMIT_EXCEEDED when any key's bucket is empty, without taking a token. */
  function check(...keys: string[]): void {
    if (!enabled) return;
    const empty = emptyBucket(keys, clock.now());
    if (empty) throw exceeded(empty.tokens);
  }

  /** Takes one token from every key's bucket, or none and throws M_LIMIT_EXCEEDED when any is empty. */
  function take(...keys: string[]): void {
    if (!enabled) return;
    check(...keys);
    const now = clock.now();
    for (const key of keys) buckets.set(key, { tokens: refill(key, now).tokens - 1, updated: now });
    if (buckets.size > PRUNE_THRESHOLD) prune(now);
  }

  /**
   * `take` for a request's requester: application services' senders, and their users when
   * the registration says `rate_limited: false`, are exempt (spec: registration `rate_limited`).
   */
  function takeFor(requester: Pick<Requester, "exempt_from_rate_limits">, ...keys: string[]): void {
    if (!requester.exempt_from_rate_limits) take(...keys);
  }

  return { check, take, takeFor };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;

/** The limiters named in `[global.rate_limits]`; `message` is for the event-sending endpoints (and scheduling delayed events). */
export function createRateLimits(config: Pick<Config, "rate_limits">, clock: Clock) {
  const { enabled, registration, login, message, delayed_event_management } = config.rate_limits;
  return {
    registration: createRateLimiter(registration, clock, enabled),
    login: createRateLimiter(login, clock, enabled),
    message: createRateLimiter(message, clock, enabled),
    delayedEventManagement: createRateLimiter(delayed_event_management, clock, enabled),
  };
}

export type RateLimits = ReturnType<typeof createRateLimits>;
