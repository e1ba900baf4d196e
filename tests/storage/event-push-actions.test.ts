import { describe, expect, test } from "bun:test";
import { openDatabase } from "../../src/storage/database.ts";
import { openStores } from "../../src/storage/index.ts";

const ALICE = "@alice:example.org";
const BOB = "@bob:example.org";

function setup() {
  const stores = openStores(openDatabase(":memory:"));
  for (const user_id of [ALICE, BOB]) stores.accounts.insertUser({ user_id, password_hash: null, created_ts: 0 });
  return stores;
}

describe("event_push_actions store", () => {
  const ROOM = "!r:example.org";
  const action = (user_id: string, highlight = false) => ({ user_id, actions: '["notify"]', notify: true, highlight });

  test("unread counts are per thread, and highlights count separately", () => {
    const { eventPushActions } = setup();
    eventPushActions.insertPushActions(ROOM, 10, "main", 100, [action(ALICE), action(BOB, true)]);
    eventPushActions.insertPushActions(ROOM, 11, "main", 101, [action(ALICE, true)]);
    eventPushActions.insertPushActions(ROOM, 12, "$thread", 102, [action(ALICE)]);
    eventPushActions.insertPushActions("!other:example.org", 13, "main", 103, [action(ALICE)]);
    expect(
      eventPushActions.selectUnreadCounts(ALICE, ROOM).sort((a, b) => a.thread_id.localeCompare(b.thread_id)),
    ).toEqual([
      { thread_id: "$thread", notification_count: 1, highlight_count: 0 },
      { thread_id: "main", notification_count: 2, highlight_count: 1 },
    ]);
    expect(eventPushActions.selectUnreadCounts(BOB, ROOM)).toEqual([
      { thread_id: "main", notification_count: 1, highlight_count: 1 },
    ]);
    expect(eventPushActions.selectUnreadTotal(ALICE)).toBe(4);
  });

  test("an unthreaded read marks every thread up to the position; a threaded one only its thread", () => {
    const { eventPushActions } = setup();
    eventPushActions.insertPushActions(ROOM, 10, "main", 100, [action(ALICE)]);
    eventPushActions.insertPushActions(ROOM, 11, "$t", 101, [action(ALICE)]);
    eventPushActions.insertPushActions(ROOM, 12, "main", 102, [action(ALICE)]);
    eventPushActions.insertPushActions(ROOM, 13, "$t", 103, [action(ALICE)]);
    eventPushActions.markReadUpTo(ALICE, ROOM, "$t", 13);
    expect(eventPushActions.selectUnreadCounts(ALICE, ROOM)).toEqual([
      { thread_id: "main", notification_count: 2, highlight_count: 0 },
    ]);
    eventPushActions.markReadUpTo(ALICE, ROOM, undefined, 10);
    expect(eventPushActions.selectUnreadCounts(ALICE, ROOM)).toEqual([
      { thread_id: "main", notification_count: 1, highlight_count: 0 },
    ]);
  });

  test("notifications page newest first, before a position, optionally highlights only; read ones stay listed", () => {
    const { eventPushActions } = setup();
    for (let pos = 1; pos <= 5; pos++)
      eventPushActions.insertPushActions(ROOM, pos, "main", pos * 100, [action(ALICE, pos % 2 === 0)]);
    eventPushActions.markReadUpTo(ALICE, ROOM, undefined, 2);
    expect(
      eventPushActions.selectNotifications(ALICE, Number.MAX_SAFE_INTEGER, 2, false).map((r) => r.event_stream_pos),
    ).toEqual([5, 4]);
    expect(eventPushActions.selectNotifications(ALICE, 4, 10, false).map((r) => [r.event_stream_pos, r.read])).toEqual([
      [3, 0],
      [2, 1],
      [1, 1],
    ]);
    expect(eventPushActions.selectNotifications(ALICE, 100, 10, true).map((r) => r.event_stream_pos)).toEqual([4, 2]);
  });

  test("read notifications older than a time can be pruned", () => {
    const { eventPushActions } = setup();
    eventPushActions.insertPushActions(ROOM, 1, "main", 100, [action(ALICE)]);
    eventPushActions.insertPushActions(ROOM, 2, "main", 200, [action(ALICE)]);
    eventPushActions.insertPushActions(ROOM, 3, "main", 300, [action(ALICE)]);
    eventPushActions.markReadUpTo(ALICE, ROOM, undefined, 2);
    expect(eventPushActions.deleteReadBefore(250)).toBe(2);
    expect(eventPushActions.selectNotifications(ALICE, 100, 10, false).map((r) => r.event_stream_pos)).toEqual([3]);
  });
});
