import { describe, expect, test } from "bun:test";
import { createTokenCache, type CachedToken } from "../../../src/core/users/token-cache.ts";
import { manualClock } from "../../support/fixtures.ts";

const entry = (clock: { now(): number }, userId: string, deviceId: string): CachedToken => ({
  requester: Object.freeze({ user_id: userId, device_id: deviceId, is_guest: false }),
  expires_ts: null,
  refresh_token_hash: null,
  previous_refresh_hash: null,
  last_seen_key: `${userId}\u0000${deviceId}`,
  loaded_ts: clock.now(),
});

describe("the token cache", () => {
  test("holds at most its capacity, and keeps the tokens in use", () => {
    const clock = manualClock();
    const cache = createTokenCache(clock, () => 0, 4);
    cache.set("hot", entry(clock, "@a:x", "A"));
    for (let i = 0; i < 20; i++) {
      cache.set(`cold${i}`, entry(clock, "@b:x", `B${i}`));
      expect(cache.get("hot")).toBeDefined();
    }
    const kept = Array.from({ length: 20 }, (_, i) => cache.get(`cold${i}`)).filter(Boolean).length;
    expect(kept).toBeLessThanOrEqual(3);
    expect(cache.get("cold19")).toBeDefined();
    expect(cache.get("cold0")).toBeUndefined();
  });

  test("forgets by device and by user, and re-reads an entry after a minute", () => {
    const clock = manualClock();
    const cache = createTokenCache(clock, () => 0);
    cache.set("a1", entry(clock, "@a:x", "A1"));
    cache.set("a2", entry(clock, "@a:x", "A2"));
    cache.set("b1", entry(clock, "@b:x", "B1"));
    cache.forgetDevices("@a:x", ["A1"]);
    expect([cache.get("a1"), cache.get("a2")].map(Boolean)).toEqual([false, true]);
    cache.forgetUser("@a:x");
    expect([cache.get("a2"), cache.get("b1")].map(Boolean)).toEqual([false, true]);
    clock.advance(60_000);
    expect(cache.get("b1")).toBeUndefined();
  });

  test("empties itself when another connection wrote the database, noticed within a second", () => {
    const clock = manualClock();
    let version = 1;
    const cache = createTokenCache(clock, () => version);
    cache.set("a1", entry(clock, "@a:x", "A1"));
    version = 2;
    clock.advance(999);
    expect(cache.get("a1")).toBeDefined();
    clock.advance(1);
    expect(cache.get("a1")).toBeUndefined();
  });
});
