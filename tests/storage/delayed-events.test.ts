import { describe, expect, test } from "bun:test";
import { openDatabase } from "../../src/storage/database.ts";
import type { NewDelayedEvent } from "../../src/storage/delayed-events.ts";
import { openStores } from "../../src/storage/index.ts";

const ALICE = "@alice:example.org";
const BOB = "@bob:example.org";
const ROOM = "!room:example.org";

function setup() {
  const stores = openStores(openDatabase(":memory:"));
  for (const user_id of [ALICE, BOB]) stores.accounts.insertUser({ user_id, password_hash: null, created_ts: 0 });
  return stores.delayedEvents;
}

let counter = 0;
function row(overrides: Partial<NewDelayedEvent> = {}): NewDelayedEvent {
  const delay_ms = overrides.delay_ms ?? 1000;
  return {
    delay_id: `d${++counter}`,
    user_id: ALICE,
    device_id: "DEV",
    room_id: ROOM,
    type: "com.example.test",
    state_key: null,
    content: "{}",
    delay_ms,
    send_ts: 10_000 + delay_ms,
    txn_scope: null,
    txn_id: null,
    created_ts: 10_000,
    ...overrides,
  };
}

describe("delayed events store", () => {
  test("the scheduler sees scheduled events by due time; finalised ones leave its view", () => {
    const store = setup();
    const late = row({ send_ts: 30_000 });
    const early = row({ send_ts: 20_000 });
    store.insertDelayedEvent(late);
    store.insertDelayedEvent(early);
    expect(store.selectNextSendTs()).toBe(20_000);
    expect(store.selectDue(25_000, 10).map((r) => r.delay_id)).toEqual([early.delay_id]);
    expect(store.selectDue(30_000, 10).map((r) => r.delay_id)).toEqual([early.delay_id, late.delay_id]);
    expect(store.finalise(early.delay_id, 21_000, { outcome: "send", reason: "delay", event_id: "$e" })).toBe(true);
    expect(store.finalise(early.delay_id, 22_000, { outcome: "cancel", reason: "action" })).toBe(false);
    expect(store.selectNextSendTs()).toBe(30_000);
    expect(store.selectDelayedEvent(early.delay_id)).toMatchObject({
      finalised_ts: 21_000,
      outcome: "send",
      reason: "delay",
      event_id: "$e",
      error: null,
    });
    store.finalise(late.delay_id, 23_000, { outcome: "cancel", reason: "action" });
    expect(store.selectNextSendTs()).toBeUndefined();
  });

  test("restart moves a scheduled event's due time to now + its delay, and only a scheduled one's", () => {
    const store = setup();
    const event = row({ delay_ms: 5000 });
    store.insertDelayedEvent(event);
    expect(store.restartDelayedEvent(event.delay_id, 12_000)).toBe(17_000);
    expect(store.selectDelayedEvent(event.delay_id)?.send_ts).toBe(17_000);
    expect(store.restartDelayedEvent("unknown", 12_000)).toBeUndefined();
    store.finalise(event.delay_id, 13_000, { outcome: "cancel", reason: "action" });
    expect(store.restartDelayedEvent(event.delay_id, 14_000)).toBeUndefined();
  });

  test("a transaction finds its delay_id; counts and send times are per user and scheduled only", () => {
    const store = setup();
    const first = row({ txn_scope: "send\u0000room", txn_id: "t1", send_ts: 15_000 });
    store.insertDelayedEvent(first);
    store.insertDelayedEvent(row({ send_ts: 12_000 }));
    store.insertDelayedEvent(row({ user_id: BOB }));
    expect(store.selectDelayIdByTxn(ALICE, "DEV", "send\u0000room", "t1")).toBe(first.delay_id);
    expect(store.selectDelayIdByTxn(ALICE, "OTHER", "send\u0000room", "t1")).toBeUndefined();
    expect(() => store.insertDelayedEvent(row({ txn_scope: "send\u0000room", txn_id: "t1" }))).toThrow();
    expect(store.countScheduledByUser(ALICE)).toBe(2);
    expect(store.selectScheduledSendTimesByUser(ALICE, 5)).toEqual([12_000, 15_000]);
    store.finalise(first.delay_id, 11_000, { outcome: "cancel", reason: "action" });
    expect(store.countScheduledByUser(ALICE)).toBe(1);
    expect(store.selectScheduledByUser(ALICE).map((r) => r.send_ts)).toEqual([12_000]);
    expect(store.selectFinalisedByUser(ALICE, 10).map((r) => r.delay_id)).toEqual([first.delay_id]);
  });

  test("a state change cancels the other users' scheduled events for that state only", () => {
    const store = setup();
    const mine = row({ state_key: "k" });
    const theirs = row({ user_id: BOB, state_key: "k" });
    const otherKey = row({ user_id: BOB, state_key: "other" });
    const message = row({ user_id: BOB });
    for (const r of [mine, theirs, otherKey, message]) store.insertDelayedEvent(r);
    expect(
      store.cancelStateEventsOfOthers(ROOM, "com.example.test", "k", ALICE, 12_000, '{"errcode":"M_UNKNOWN"}'),
    ).toBe(1);
    expect(store.selectDelayedEvent(theirs.delay_id)).toMatchObject({
      outcome: "cancel",
      reason: "error",
      error: '{"errcode":"M_UNKNOWN"}',
    });
    for (const r of [mine, otherKey, message]) expect(store.selectDelayedEvent(r.delay_id)?.finalised_ts).toBeNull();
  });

  test("pruning forgets finalised events past their age and beyond the newest per user", () => {
    const store = setup();
    const old = row();
    const recent = [row(), row(), row()];
    const scheduled = row();
    for (const r of [old, ...recent, scheduled]) store.insertDelayedEvent(r);
    store.finalise(old.delay_id, 1_000, { outcome: "cancel", reason: "action" });
    recent.forEach((r, i) => store.finalise(r.delay_id, 50_000 + i, { outcome: "cancel", reason: "action" }));
    expect(store.pruneFinalised(10_000, 2)).toBe(2);
    expect(store.selectFinalisedByUser(ALICE, 10).map((r) => r.delay_id)).toEqual([
      recent[2]!.delay_id,
      recent[1]!.delay_id,
    ]);
    expect(store.selectDelayedEvent(scheduled.delay_id)).toBeDefined();
  });
});
