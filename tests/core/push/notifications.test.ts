import { beforeEach, describe, expect, test } from "bun:test";
import { createNotifications, MAIN_THREAD } from "../../../src/core/push/notifications.ts";
import type { PushContext, PushEvent } from "../../../src/matrix/push-rules.ts";
import { createUser, type TestUser } from "../../support/fixtures.ts";
import { createTestServer, type TestServer } from "../../support/server.ts";

const ROOM = "!room:test.local";
let server: TestServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;

const message = (sender: string, content: Record<string, unknown> = {}): PushEvent => ({
  type: "m.room.message",
  sender,
  room_id: ROOM,
  content: { msgtype: "m.text", body: "hello", ...content },
});
const contextFor =
  (memberCount = 3, senderPowerLevel = 0) =>
  (userId: string): PushContext => ({
    userId,
    displayName: undefined,
    memberCount,
    senderPowerLevel,
    notificationPowerLevels: new Map(),
  });

beforeEach(async () => {
  server = createTestServer();
  [alice, bob, carol] = [await createUser(server), await createUser(server), await createUser(server)];
});

describe("notificationActionsFor", () => {
  test("evaluates each recipient's own rules and returns those notified, never the sender", () => {
    const notifications = server.services.pushNotifications;
    const result = notifications.notificationActionsFor(
      message(alice.user_id, { "m.mentions": { user_ids: [bob.user_id] } }),
      [alice.user_id, bob.user_id, carol.user_id],
      contextFor(),
    );
    expect(result).toEqual([
      {
        user_id: bob.user_id,
        highlight: true,
        actions: ["notify", { set_tweak: "sound", value: "default" }, { set_tweak: "highlight" }],
        tweaks: { sound: "default", highlight: true },
      },
      { user_id: carol.user_id, highlight: false, actions: ["notify"], tweaks: {} },
    ]);
  });

  test("a recipient's rule changes apply to the next event", async () => {
    const notifications = server.services.pushNotifications;
    const put = await server.put(
      "/_matrix/client/v3/pushrules/global/override/.m.rule.master/enabled",
      { enabled: true },
      { token: carol.access_token },
    );
    expect(put.status).toBe(200);
    const result = notifications.notificationActionsFor(
      message(alice.user_id),
      [bob.user_id, carol.user_id],
      contextFor(),
    );
    expect(result.map((n) => n.user_id)).toEqual([bob.user_id]);
  });

  test("the context decides member-count and permission conditions", () => {
    const notifications = server.services.pushNotifications;
    expect(
      notifications.notificationActionsFor(message(alice.user_id), [bob.user_id], contextFor(2))[0]?.tweaks,
    ).toEqual({ sound: "default" });
    const atRoom = message(alice.user_id, { "m.mentions": { room: true } });
    expect(notifications.notificationActionsFor(atRoom, [bob.user_id], contextFor(3, 50))[0]?.highlight).toBe(true);
    expect(notifications.notificationActionsFor(atRoom, [bob.user_id], contextFor(3, 0))[0]?.highlight).toBe(false);
  });

  test("events that notify nobody return nothing", () => {
    const reaction: PushEvent = { type: "m.reaction", sender: alice.user_id, room_id: ROOM, content: {} };
    expect(
      server.services.pushNotifications.notificationActionsFor(reaction, [bob.user_id, carol.user_id], contextFor()),
    ).toEqual([]);
  });
});

describe("unread counts", () => {
  function append(streamPos: number, event: PushEvent, threadId?: string) {
    const notifications = server.services.pushNotifications;
    server.stores.transaction(() =>
      notifications.incrementCounts(
        ROOM,
        streamPos,
        threadId,
        notifications.notificationActionsFor(event, [alice.user_id, bob.user_id], contextFor()),
      ),
    );
  }

  test("count notifying and highlighting events per thread, with the room total", () => {
    append(1, message(alice.user_id));
    append(2, message(alice.user_id, { "m.mentions": { user_ids: [bob.user_id] } }));
    append(3, message(alice.user_id), "$root");
    append(4, { type: "m.reaction", sender: alice.user_id, content: {} });
    expect(server.services.pushNotifications.unreadCounts(bob.user_id, ROOM)).toEqual({
      total: { notification_count: 3, highlight_count: 1 },
      main: { notification_count: 2, highlight_count: 1 },
      threads: { $root: { notification_count: 1, highlight_count: 0 } },
    });
    expect(server.services.pushNotifications.unreadCounts(alice.user_id, ROOM).total).toEqual({
      notification_count: 0,
      highlight_count: 0,
    });
  });

  test("an unthreaded receipt resets every thread up to its event; a threaded one only its thread", () => {
    const notifications = server.services.pushNotifications;
    append(1, message(alice.user_id));
    append(2, message(alice.user_id), "$root");
    append(3, message(alice.user_id));
    notifications.resetCounts(bob.user_id, ROOM, MAIN_THREAD, 3);
    expect(notifications.unreadCounts(bob.user_id, ROOM).total.notification_count).toBe(1);
    append(4, message(alice.user_id), "$root");
    notifications.resetCounts(bob.user_id, ROOM, undefined, 3);
    expect(notifications.unreadCounts(bob.user_id, ROOM)).toEqual({
      total: { notification_count: 1, highlight_count: 0 },
      main: { notification_count: 0, highlight_count: 0 },
      threads: { $root: { notification_count: 1, highlight_count: 0 } },
    });
  });
});

describe("listNotifications", () => {
  function withEvents() {
    const events = new Map<number, Record<string, unknown>>();
    const notifications = createNotifications({
      stores: server.stores,
      pushRules: server.services.pushRules,
      clock: { now: () => 1_000 },
      eventsByStreamPositions: (_userId, positions) =>
        new Map(positions.flatMap((p) => (events.has(p) ? [[p, events.get(p)!] as const] : []))),
    });
    const append = (pos: number, content: Record<string, unknown> = {}) => {
      const event = message(alice.user_id, content);
      events.set(pos, { ...event, event_id: `$e${pos}` });
      notifications.incrementCounts(
        ROOM,
        pos,
        undefined,
        notifications.notificationActionsFor(event, [bob.user_id], contextFor()),
      );
    };
    return { notifications, append };
  }

  test("lists notifying events newest first with their actions, read flag and time, paging with next_token", () => {
    const { notifications, append } = withEvents();
    for (let pos = 1; pos <= 5; pos++) append(pos);
    notifications.resetCounts(bob.user_id, ROOM, undefined, 2);
    const first = notifications.listNotifications(bob.user_id, { limit: 2 });
    expect(first.notifications.map((n) => n.event.event_id)).toEqual(["$e5", "$e4"]);
    expect(first.notifications[0]).toEqual({
      actions: ["notify"],
      event: expect.objectContaining({ event_id: "$e5" }),
      read: false,
      room_id: ROOM,
      ts: 1_000,
    });
    expect(first.next_token).toBeDefined();
    const second = notifications.listNotifications(bob.user_id, { limit: 2, from: first.next_token });
    expect(second.notifications.map((n) => [n.event.event_id, n.read])).toEqual([
      ["$e3", false],
      ["$e2", true],
    ]);
    const last = notifications.listNotifications(bob.user_id, { limit: 2, from: second.next_token });
    expect(last.notifications.map((n) => n.event.event_id)).toEqual(["$e1"]);
    expect(last.next_token).toBeUndefined();
  });

  test("only=highlight lists the highlighting ones", () => {
    const { notifications, append } = withEvents();
    append(1);
    append(2, { "m.mentions": { user_ids: [bob.user_id] } });
    append(3);
    expect(
      notifications.listNotifications(bob.user_id, { only: "highlight" }).notifications.map((n) => n.event.event_id),
    ).toEqual(["$e2"]);
  });

  test("events the event store cannot serve are left out", () => {
    const { notifications } = withEvents();
    notifications.incrementCounts(
      ROOM,
      9,
      undefined,
      notifications.notificationActionsFor(message(alice.user_id), [bob.user_id], contextFor()),
    );
    expect(notifications.listNotifications(bob.user_id, {})).toEqual({ notifications: [] });
  });
});
