/**
 * Leave delegation in the built-in LiveKit authorization service: delegate_delayed_leave,
 * the delay fields of the token endpoints, and LiveKit's signed webhooks that drive them.
 * Delayed events (MSC4140) are not built yet, so a stand-in records the restart and send
 * actions the service takes; room membership comes from a stand-in too. LiveKit is the
 * room-service stand-in of tests/support/fake-livekit.ts, which also signs webhooks.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { startFakeLiveKit } from "../support/fake-livekit.ts";
import { createUser, type TestUser } from "../support/fixtures.ts";
import { createTestServer } from "../support/server.ts";

const JWT = "/livekit/jwt";
const ROOM = "!call:example.com";
const livekit = startFakeLiveKit();

/** delay_id → what the service did with it; `scheduled` false once sent, or for unknown ids. */
const delayed = new Map<string, { scheduled: boolean; actions: string[] }>();
const server = createTestServer(
  { server_name: "example.com", matrix_rtc: { livekit_url: livekit.url, livekit_api_key: livekit.apiKey, livekit_api_secret: livekit.apiSecret } },
  {
    matrixRtc: {
      isJoinedMember: () => true,
      delayedEvents: {
        restartDelayedEvent(delayId) {
          const entry = delayed.get(delayId);
          entry?.actions.push("restart");
          return entry?.scheduled ?? false;
        },
        sendDelayedEvent(delayId) {
          const entry = delayed.get(delayId);
          if (!entry?.scheduled) return false;
          entry.actions.push("send");
          entry.scheduled = false;
          return true;
        },
      },
    },
  },
);
afterAll(async () => {
  server.shutdown();
  await livekit.stop();
});

const hash = (values: string[]) => createHash("sha256").update(JSON.stringify(values)).digest("base64").replace(/=+$/, "");
const LIVEKIT_ROOM = hash([ROOM, "m.call#ROOM"]);
let counter = 0;

function scheduleDelayedLeave(): { delayId: string; actions: string[] } {
  const delayId = `syd_${++counter}_${crypto.randomUUID()}`;
  const entry = { scheduled: true, actions: [] as string[] };
  delayed.set(delayId, entry);
  return { delayId, actions: entry.actions };
}

async function until(what: string, condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(10);
  }
}

async function member(user: TestUser, memberId = crypto.randomUUID()) {
  const token = await server.post(`/_matrix/client/v3/user/${encodeURIComponent(user.user_id)}/openid/request_token`, {}, { token: user.access_token });
  return {
    body: { room_id: ROOM, slot_id: "m.call#ROOM", openid_token: token.body, member: { id: memberId, claimed_user_id: user.user_id, claimed_device_id: "DEV" } },
    identity: hash([user.user_id, "DEV", memberId]),
  };
}

async function webhook(event: Record<string, unknown>, secret?: string) {
  const signed = await livekit.signWebhook(event, secret);
  return server.request("POST", `${JWT}/sfu_webhook`, {
    raw: signed.body,
    headers: { "Content-Type": "application/webhook+json", Authorization: signed.authorization },
  });
}

const participantEvent = (event: string, identity: string, disconnectReason?: string) => ({
  event,
  room: { sid: "RM_x", name: LIVEKIT_ROOM },
  participant: { sid: "PA_x", identity, ...(disconnectReason ? { disconnectReason } : {}) },
});

describe("POST /livekit/jwt/delegate_delayed_leave", () => {
  test("keeps a connected participant's leave from firing, then sends it when LiveKit reports them gone", async () => {
    const alice = await createUser(server);
    const { body, identity } = await member(alice);
    livekit.connected.add(`${LIVEKIT_ROOM}|${identity}`);
    const { delayId, actions } = scheduleDelayedLeave();

    const res = await server.post(`${JWT}/delegate_delayed_leave`, { ...body, delay_id: delayId, delay_timeout: 250 });
    expect([res.status, res.body]).toEqual([200, {}]);
    // Found connected through GetParticipant: restarted at once, then every 80 % of the delay.
    await until("the first restart", () => actions.length >= 1);
    await until("a second restart", () => actions.length >= 2);
    expect(actions).toEqual(["restart", "restart"]);
    expect(livekit.calls.some((c) => c.method === "GetParticipant" && c.body.identity === identity)).toBe(true);

    expect((await webhook(participantEvent("participant_left", identity, "CLIENT_INITIATED"))).status).toBe(200);
    await until("the leave to be sent", () => actions.includes("send"));
    await Bun.sleep(300);
    expect(actions.filter((a) => a === "send")).toEqual(["send"]);
    expect(actions.at(-1)).toBe("send");
  });

  test("without webhooks, finds the participant by polling LiveKit's GetParticipant until they connect", async () => {
    const { body, identity } = await member(await createUser(server));
    const { delayId, actions } = scheduleDelayedLeave();
    expect((await server.post(`${JWT}/delegate_delayed_leave`, { ...body, delay_id: delayId, delay_timeout: 5000 })).status).toBe(200);
    await Bun.sleep(100);
    expect(actions).toEqual([]);
    livekit.connected.add(`${LIVEKIT_ROOM}|${identity}`);
    await until("the restart once GetParticipant finds them", () => actions.length === 1, 3000);
    expect(livekit.calls.filter((c) => c.method === "GetParticipant" && c.body.identity === identity).length).toBeGreaterThanOrEqual(2);
  });

  test("requires delay_id and delay_timeout (400 M_BAD_JSON)", async () => {
    const { body } = await member(await createUser(server));
    for (const extra of [{}, { delay_id: "x" }, { delay_id: "x", delay_timeout: 0 }]) {
      const res = await server.post(`${JWT}/delegate_delayed_leave`, { ...body, ...extra });
      expect([res.status, res.body]).toEqual([400, { errcode: "M_BAD_JSON", error: "The request body is missing `delay_id` or `delay_timeout`" }]);
    }
  });

  test("a bad OpenID token is 401 M_UNAUTHORIZED", async () => {
    const { body } = await member(await createUser(server));
    const res = await server.post(`${JWT}/delegate_delayed_leave`, {
      ...body,
      openid_token: { ...body.openid_token, access_token: "oid_nope" },
      delay_id: "x",
      delay_timeout: 1000,
    });
    expect([res.status, res.body.errcode]).toEqual([401, "M_UNAUTHORIZED"]);
  });
});

describe("leave delegation requested with a token", () => {
  test("waits for LiveKit's participant_joined webhook, restarts while connected, sends on participant_left", async () => {
    const bob = await createUser(server);
    const { body, identity } = await member(bob);
    const { delayId, actions } = scheduleDelayedLeave();
    const res = await server.post(`${JWT}/get_token`, { ...body, delay_id: delayId, delay_timeout: 2000 });
    expect(res.status).toBe(200);
    await Bun.sleep(50);
    expect(actions).toEqual([]);

    expect((await webhook(participantEvent("participant_joined", identity))).status).toBe(200);
    await until("the restart on joining", () => actions.length === 1);
    expect((await webhook(participantEvent("participant_connection_aborted", identity, "JOIN_FAILURE"))).status).toBe(200);
    await until("the leave to be sent", () => actions.includes("send"));
    expect(actions).toEqual(["restart", "send"]);
  });

  test("the legacy /sfu/get delegates too, for the identity @user:server:DEVICE", async () => {
    const carol = await createUser(server);
    const token = (await member(carol)).body.openid_token;
    const { delayId, actions } = scheduleDelayedLeave();
    const res = await server.post(`${JWT}/sfu/get`, { room: ROOM, openid_token: token, device_id: "LEGACY", delay_id: delayId, delay_timeout: 2000 });
    expect(res.status).toBe(200);
    await webhook(participantEvent("participant_joined", `${carol.user_id}:LEGACY`));
    await until("the restart on joining", () => actions.length === 1);
    await webhook(participantEvent("participant_left", `${carol.user_id}:LEGACY`, "CLIENT_INITIATED"));
    await until("the leave to be sent", () => actions.includes("send"));
  });

  test("a participant who never connects has their leave sent when the delay runs out", async () => {
    const { body } = await member(await createUser(server));
    const { delayId, actions } = scheduleDelayedLeave();
    expect((await server.post(`${JWT}/get_token`, { ...body, delay_id: delayId, delay_timeout: 150 })).status).toBe(200);
    await until("the leave to be sent", () => actions.includes("send"));
    expect(actions).toEqual(["send"]);
  });

  test("a connection aborted before the first join gives up without sending (the homeserver's timer decides)", async () => {
    const { body, identity } = await member(await createUser(server));
    const { delayId, actions } = scheduleDelayedLeave();
    expect((await server.post(`${JWT}/get_token`, { ...body, delay_id: delayId, delay_timeout: 200 })).status).toBe(200);
    await webhook(participantEvent("participant_connection_aborted", identity, "SIGNAL_CLOSE"));
    await Bun.sleep(400);
    expect(actions).toEqual([]);
  });

  test("stops when the delayed event is gone (sent or cancelled by the client)", async () => {
    const { body, identity } = await member(await createUser(server));
    const { delayId, actions } = scheduleDelayedLeave();
    delayed.get(delayId)!.scheduled = false;
    expect((await server.post(`${JWT}/get_token`, { ...body, delay_id: delayId, delay_timeout: 100 })).status).toBe(200);
    await webhook(participantEvent("participant_joined", identity));
    await until("the restart on joining", () => actions.length === 1);
    await Bun.sleep(200);
    await webhook(participantEvent("participant_left", identity, "CLIENT_INITIATED"));
    await Bun.sleep(50);
    expect(actions).toEqual(["restart"]);
  });

  test("a new delegation for the same participant replaces the old one", async () => {
    const dave = await createUser(server);
    const memberId = crypto.randomUUID();
    const first = scheduleDelayedLeave();
    const second = scheduleDelayedLeave();
    const { body, identity } = await member(dave, memberId);
    expect((await server.post(`${JWT}/get_token`, { ...body, delay_id: first.delayId, delay_timeout: 5000 })).status).toBe(200);
    expect((await server.post(`${JWT}/get_token`, { ...(await member(dave, memberId)).body, delay_id: second.delayId, delay_timeout: 5000 })).status).toBe(200);
    await webhook(participantEvent("participant_joined", identity));
    await webhook(participantEvent("participant_left", identity, "CLIENT_INITIATED"));
    await until("the leave to be sent", () => second.actions.includes("send"));
    expect(first.actions).toEqual([]);
    expect(second.actions).toEqual(["restart", "send"]);
  });
});

describe("POST /livekit/jwt/sfu_webhook", () => {
  test("a signed event nobody delegated, or of another kind, is acknowledged with 200 {}", async () => {
    for (const event of [participantEvent("participant_joined", "nobody"), { event: "room_started", room: { name: "r" } }]) {
      const res = await webhook(event);
      expect([res.status, res.body]).toEqual([200, {}]);
    }
  });

  test("an unsigned, wrongly signed or altered webhook is 401 M_UNAUTHORIZED", async () => {
    const event = participantEvent("participant_left", "x");
    const signed = await livekit.signWebhook(event);
    const foreign = await livekit.signWebhook(event, "another-secret-of-at-least-32-chars!");
    const headers = (authorization?: string) => ({ "Content-Type": "application/webhook+json", ...(authorization ? { Authorization: authorization } : {}) });
    const attempts = [
      { raw: signed.body, headers: headers() },
      { raw: foreign.body, headers: headers(foreign.authorization) },
      { raw: signed.body.replace("participant_left", "participant_joined"), headers: headers(signed.authorization) },
    ];
    for (const attempt of attempts) {
      const res = await server.request("POST", `${JWT}/sfu_webhook`, attempt);
      expect([res.status, res.body.errcode]).toEqual([401, "M_UNAUTHORIZED"]);
    }
  });

  test("a webhook sent as application/json cannot be verified: 400 M_NOT_JSON", async () => {
    const signed = await livekit.signWebhook(participantEvent("participant_left", "x"));
    const res = await server.request("POST", `${JWT}/sfu_webhook`, {
      raw: signed.body,
      headers: { "Content-Type": "application/json", Authorization: signed.authorization },
    });
    expect([res.status, res.body.errcode]).toEqual([400, "M_NOT_JSON"]);
  });
});
