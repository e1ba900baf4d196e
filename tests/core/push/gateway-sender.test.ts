import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { createGatewaySender, type PushedEvent } from "../../../src/core/push/gateway-sender.ts";
import type { RecipientNotification } from "../../../src/core/push/notifications.ts";
import { createLogger } from "../../../src/logger.ts";
import { createUser, type TestUser } from "../../support/fixtures.ts";
import { startFakePushGateway, type FakePushGateway } from "../../support/fake-push-gateway.ts";
import { createTestServer, type TestServer } from "../../support/server.ts";

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const EVENT: PushedEvent = {
  event_id: "$3957tyerfgewrf384",
  room_id: "!slw48wfj34rtnrf:test.local",
  type: "m.room.message",
  sender: "@exampleuser:test.local",
  content: { msgtype: "m.text", body: "I'm floating in a most peculiar way." },
};

let server: TestServer;
let gateway: FakePushGateway;
let alice: TestUser;
let sleeps: number[];

const notified = (
  user_id: string,
  tweaks: RecipientNotification["tweaks"] = { sound: "bing" },
): RecipientNotification => ({
  user_id,
  highlight: tweaks.highlight === true,
  actions: ["notify"],
  tweaks,
});

function sender(retry = {}) {
  return createGatewaySender({
    stores: server.stores,
    logger: createLogger("error"),
    unreadTotal: (userId) => server.services.pushNotifications.unreadTotal(userId),
    sleep: async (ms) => void sleeps.push(ms),
    retry: { initialDelayMs: 100, maxDelayMs: 350, maxAttempts: 4, ...retry },
  });
}

async function setPusher(user: TestUser, pushkey: string, data: Record<string, unknown> = {}) {
  const res = await server.post(
    "/_matrix/client/v3/pushers/set",
    {
      kind: "http",
      app_id: "org.matrix.matrixConsole.ios",
      pushkey,
      app_display_name: "Console",
      device_display_name: "Phone",
      lang: "en",
      data: { url: gateway.url, ...data },
    },
    { token: user.access_token },
  );
  expect(res.status).toBe(200);
}

beforeEach(async () => {
  server = createTestServer({}, { clock: { now: () => NOW } });
  gateway = startFakePushGateway();
  alice = await createUser(server);
  sleeps = [];
});

afterEach(() => gateway.stop());

describe("the push gateway sender", () => {
  test("POSTs the notification as the push gateway API defines it, data without url, pushkey_ts in seconds", async () => {
    await setPusher(alice, "V2h5IG9uIGVhcnRoIGRpZCB5b3UgZGVjb2RlIHRoaXM/", { custom: "x" });
    await sender().pushEvent(EVENT, [notified(alice.user_id)], {
      sender_display_name: "Major Tom",
      room_name: "Mission Control",
    });
    expect(gateway.requests).toEqual([
      {
        notification: {
          event_id: EVENT.event_id,
          room_id: EVENT.room_id,
          type: "m.room.message",
          sender: EVENT.sender,
          sender_display_name: "Major Tom",
          room_name: "Mission Control",
          prio: "high",
          content: EVENT.content,
          counts: {},
          devices: [
            {
              app_id: "org.matrix.matrixConsole.ios",
              pushkey: "V2h5IG9uIGVhcnRoIGRpZCB5b3UgZGVjb2RlIHRoaXM/",
              pushkey_ts: Math.floor(NOW / 1000),
              data: { custom: "x" },
              tweaks: { sound: "bing" },
            },
          ],
        },
      },
    ]);
  });

  test("counts.unread is the recipient's unread notifications", async () => {
    await setPusher(alice, "key");
    server.services.pushNotifications.incrementCounts("!a:test.local", 1, undefined, [notified(alice.user_id)]);
    server.services.pushNotifications.incrementCounts("!b:test.local", 2, undefined, [notified(alice.user_id)]);
    await sender().pushEvent(EVENT, [notified(alice.user_id)]);
    expect(gateway.requests[0]?.notification.counts).toEqual({ unread: 2 });
  });

  test("format event_id_only sends only ids, counts, priority and devices", async () => {
    await setPusher(alice, "key", { format: "event_id_only" });
    await sender().pushEvent(EVENT, [notified(alice.user_id, {})]);
    expect(gateway.requests[0]?.notification).toEqual({
      event_id: EVENT.event_id,
      room_id: EVENT.room_id,
      counts: {},
      prio: "low",
      devices: [
        {
          app_id: "org.matrix.matrixConsole.ios",
          pushkey: "key",
          pushkey_ts: Math.floor(NOW / 1000),
          data: { format: "event_id_only" },
          tweaks: {},
        },
      ],
    });
  });

  test("member events say whether the recipient is their target", async () => {
    await setPusher(alice, "key");
    const invite: PushedEvent = {
      ...EVENT,
      type: "m.room.member",
      state_key: alice.user_id,
      content: { membership: "invite" },
    };
    await sender().pushEvent(invite, [notified(alice.user_id)]);
    expect(gateway.requests[0]?.notification.user_is_target).toBe(true);
  });

  test("every pusher of every notified recipient gets one request; users without pushers get none", async () => {
    const bob = await createUser(server);
    const carol = await createUser(server);
    await setPusher(alice, "alice-phone");
    await setPusher(alice, "alice-tablet");
    await setPusher(bob, "bob-phone");
    await sender().pushEvent(EVENT, [notified(alice.user_id), notified(bob.user_id), notified(carol.user_id)]);
    expect(gateway.requests.map((r) => r.notification.devices[0].pushkey).sort()).toEqual([
      "alice-phone",
      "alice-tablet",
      "bob-phone",
    ]);
  });

  test("a pushkey the gateway rejects loses its pusher; the others stay", async () => {
    await setPusher(alice, "expired");
    await setPusher(alice, "fine");
    gateway.reject("expired");
    await sender().pushEvent(EVENT, [notified(alice.user_id)]);
    expect(server.services.pushers.listPushers(alice.user_id).pushers.map((p) => p.pushkey)).toEqual(["fine"]);
    await sender().pushEvent(EVENT, [notified(alice.user_id)]);
    expect(gateway.requests.filter((r) => r.notification.devices[0].pushkey === "expired")).toHaveLength(1);
  });

  test("an HTTP error is retried with exponential backoff, capped, until the gateway accepts", async () => {
    await setPusher(alice, "key");
    gateway.failNext(500, 503, 502);
    await sender().pushEvent(EVENT, [notified(alice.user_id)]);
    expect(gateway.requests).toHaveLength(4);
    expect(sleeps).toEqual([100, 200, 350]);
  });

  test("after maxAttempts the notification is dropped, and later ones are still sent", async () => {
    await setPusher(alice, "key");
    gateway.failNext(500, 500, 500, 500);
    await sender().pushEvent(EVENT, [notified(alice.user_id)]);
    expect(gateway.requests).toHaveLength(4);
    await sender().pushEvent({ ...EVENT, event_id: "$next" }, [notified(alice.user_id)]);
    expect(gateway.requests).toHaveLength(5);
    expect(gateway.requests[4]?.notification.event_id).toBe("$next");
  });

  test("an unreachable gateway is retried too", async () => {
    await setPusher(alice, "key");
    await gateway.stop();
    await sender({ maxAttempts: 3 }).pushEvent(EVENT, [notified(alice.user_id)]);
    expect(sleeps).toEqual([100, 200]);
    // Failing is not rejecting: the pusher stays.
    expect(server.services.pushers.listPushers(alice.user_id).pushers).toHaveLength(1);
  });

  test("a pusher deleted while its notification waits for a retry is not retried", async () => {
    await setPusher(alice, "key");
    gateway.failNext(500);
    const sending = createGatewaySender({
      stores: server.stores,
      logger: createLogger("error"),
      unreadTotal: () => 0,
      sleep: async () => {
        server.services.pushers.setPusher(
          { user_id: alice.user_id, device_id: alice.device_id, is_guest: false },
          { kind: null, app_id: "org.matrix.matrixConsole.ios", pushkey: "key" },
        );
      },
      retry: { maxAttempts: 5 },
    });
    await sending.pushEvent(EVENT, [notified(alice.user_id)]);
    expect(gateway.requests).toHaveLength(1);
  });

  test("notifications to one pusher are delivered in order, even across retries", async () => {
    await setPusher(alice, "key");
    gateway.failNext(500, 500);
    const gatewaySender = sender();
    const first = gatewaySender.pushEvent({ ...EVENT, event_id: "$1" }, [notified(alice.user_id)]);
    const second = gatewaySender.pushEvent({ ...EVENT, event_id: "$2" }, [notified(alice.user_id)]);
    await Promise.all([first, second]);
    await gatewaySender.idle();
    expect(gateway.requests.map((r) => r.notification.event_id)).toEqual(["$1", "$1", "$1", "$2"]);
  });

  test("a counts-only notification carries unread, even 0, so badges clear", async () => {
    await setPusher(alice, "key");
    await sender().pushCounts(alice.user_id);
    expect(gateway.requests[0]).toEqual({
      notification: {
        counts: { unread: 0 },
        devices: [
          {
            app_id: "org.matrix.matrixConsole.ios",
            pushkey: "key",
            pushkey_ts: Math.floor(NOW / 1000),
            data: {},
            tweaks: {},
          },
        ],
      },
    });
  });

  test("the services' sender reaches a real gateway with the default policy", async () => {
    await setPusher(alice, "key");
    await server.services.pushGateway.pushEvent(EVENT, [notified(alice.user_id)]);
    expect(gateway.requests).toHaveLength(1);
  });
});
