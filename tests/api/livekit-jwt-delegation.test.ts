/**
 * Leave delegation in the built-in LiveKit authorization service, end to end in-process:
 * participants join a real room, schedule their delayed "leave" call-membership state event
 * (MSC4140) and send their membership the way Element Call does, then hand the delay_id to
 * delegate_delayed_leave or to the token endpoints. LiveKit is the room-service stand-in of
 * tests/support/fake-livekit.ts, which also signs the webhooks that drive delegation.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { startFakeLiveKit } from "../support/fake-livekit.ts";
import { manualClock, type TestUser } from "../support/fixtures.ts";
import { createRoom, join, newUser, roomPath } from "../support/rooms.ts";
import { createTestServer } from "../support/server.ts";

const JWT = "/livekit/jwt";
const DELAYED = "/_matrix/client/unstable/org.matrix.msc4140/delayed_events";
const CALL_MEMBER = "org.matrix.msc3401.call.member";
const livekit = startFakeLiveKit();
// Delays, restarts and GetParticipant polling run when the test moves this clock, not in real time.
const clock = manualClock(Date.now());
const server = createTestServer(
  {
    server_name: "example.com",
    matrix_rtc: { livekit_url: livekit.url, livekit_api_key: livekit.apiKey, livekit_api_secret: livekit.apiSecret },
  },
  { clock },
);
afterAll(async () => {
  server.close();
  await livekit.stop();
});

const hash = (values: string[]) =>
  createHash("sha256").update(JSON.stringify(values)).digest("base64").replace(/=+$/, "");
let roomId = "";
let liveKitRoom = "";
beforeAll(async () => {
  const owner = await newUser(server);
  roomId = await createRoom(server, owner, {
    preset: "public_chat",
    power_level_content_override: { events: { [CALL_MEMBER]: 0 } },
  });
  liveKitRoom = hash([roomId, "m.call#ROOM"]);
});

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(10);
  }
}

/**
 * Moves the clock by `ms` in 20 ms steps and lets the server finish what each step's timers
 * started (a restart commits on a later turn of the event loop) before the next step.
 */
async function elapse(ms: number): Promise<void> {
  for (let moved = 0; moved < ms; moved += 20) {
    clock.advance(Math.min(20, ms - moved));
    for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Moves the clock 50 ms at a time until `condition` holds: for timers set only after a round trip to LiveKit. */
const advancingUntil = (what: string, condition: () => Promise<boolean>) =>
  until(what, async () => {
    clock.advance(50);
    return condition();
  });

interface Participant {
  user: TestUser;
  stateKey: string;
  delayId: string;
}

/** Joins the room, schedules the delayed leave ({} after `delayMs`), then sends the membership to the same key: Element Call's order. */
async function joinCall(delayMs: number, user?: TestUser): Promise<Participant> {
  const member = user ?? (await newUser(server));
  if (!user) await join(server, member, roomId);
  const stateKey = `_${member.user_id}_${member.device_id}_m.call`;
  const path = roomPath(roomId, `/state/${CALL_MEMBER}/${encodeURIComponent(stateKey)}`);
  const leave = await server.put(`${path}?org.matrix.msc4140.delay=${delayMs}`, {}, { token: member.access_token });
  expect(leave.status, JSON.stringify(leave.body)).toBe(200);
  expect(
    (await server.put(path, { application: "m.call", device_id: member.device_id }, { token: member.access_token }))
      .status,
  ).toBe(200);
  return { user: member, stateKey, delayId: leave.body.delay_id };
}

/** The participant's call membership content: theirs while in the call, {} once the leave is sent. */
async function membership({ user, stateKey }: Participant) {
  return (
    await server.get(roomPath(roomId, `/state/${CALL_MEMBER}/${encodeURIComponent(stateKey)}`), {
      token: user.access_token,
    })
  ).body;
}

async function delayedEvent({ user, delayId }: Participant) {
  return (await server.get(`${DELAYED}/${delayId}`, { token: user.access_token })).body;
}

const left = async (p: Participant) => Object.keys(await membership(p)).length === 0;

async function member(user: TestUser, memberId = crypto.randomUUID()) {
  const token = await server.post(
    `/_matrix/client/v3/user/${encodeURIComponent(user.user_id)}/openid/request_token`,
    {},
    { token: user.access_token },
  );
  return {
    body: {
      room_id: roomId,
      slot_id: "m.call#ROOM",
      openid_token: token.body,
      member: { id: memberId, claimed_user_id: user.user_id, claimed_device_id: "DEV" },
    },
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
  room: { sid: "RM_x", name: liveKitRoom },
  participant: { sid: "PA_x", identity, ...(disconnectReason ? { disconnectReason } : {}) },
});

describe("POST /livekit/jwt/delegate_delayed_leave", () => {
  test("keeps a connected participant's leave from firing past its delay, then sends it when LiveKit reports them gone", async () => {
    const alice = await joinCall(600);
    const { body, identity } = await member(alice.user);
    livekit.connected.add(`${liveKitRoom}|${identity}`);
    const scheduledAt = (await delayedEvent(alice)).scheduled_at as number;
    clock.advance(100);

    const res = await server.post(`${JWT}/delegate_delayed_leave`, {
      ...body,
      delay_id: alice.delayId,
      delay_timeout: 600,
    });
    expect([res.status, res.body]).toEqual([200, {}]);
    // Found connected through GetParticipant: restarted at once, then every 80 % of the delay.
    await until("the restart at once", async () => (await delayedEvent(alice)).scheduled_at > scheduledAt);
    await elapse(1400);
    expect(await membership(alice)).toEqual({ application: "m.call", device_id: alice.user.device_id });
    expect((await delayedEvent(alice)).finalised_ts).toBeUndefined();
    expect(livekit.calls.some((c) => c.method === "GetParticipant" && c.body.identity === identity)).toBe(true);

    expect((await webhook(participantEvent("participant_left", identity, "CLIENT_INITIATED"))).status).toBe(200);
    await until("the leave to be sent", () => left(alice), 1000);
    expect(await delayedEvent(alice)).toMatchObject({
      event_id: expect.stringMatching(/^\$/),
      finalised_ts: expect.any(Number),
    });
  });

  test("without webhooks, finds the participant by polling LiveKit's GetParticipant until they connect, then restarts", async () => {
    const bob = await joinCall(5000);
    const { body, identity } = await member(bob.user);
    const scheduledAt = (await delayedEvent(bob)).scheduled_at as number;
    expect(
      (await server.post(`${JWT}/delegate_delayed_leave`, { ...body, delay_id: bob.delayId, delay_timeout: 5000 }))
        .status,
    ).toBe(200);
    await until("the first GetParticipant", () =>
      livekit.calls.some((c) => c.method === "GetParticipant" && c.body.identity === identity),
    );
    expect((await delayedEvent(bob)).scheduled_at).toBe(scheduledAt);
    livekit.connected.add(`${liveKitRoom}|${identity}`);
    await advancingUntil(
      "the restart once GetParticipant finds them",
      async () => (await delayedEvent(bob)).scheduled_at > scheduledAt,
    );
    expect(
      livekit.calls.filter((c) => c.method === "GetParticipant" && c.body.identity === identity).length,
    ).toBeGreaterThanOrEqual(2);
    await server.post(`${DELAYED}/${bob.delayId}/cancel`, {});
  });

  test("requires delay_id and delay_timeout (400 M_BAD_JSON)", async () => {
    const { body } = await member(await newUser(server));
    for (const extra of [{}, { delay_id: "x" }, { delay_id: "x", delay_timeout: 0 }]) {
      const res = await server.post(`${JWT}/delegate_delayed_leave`, { ...body, ...extra });
      expect([res.status, res.body]).toEqual([
        400,
        { errcode: "M_BAD_JSON", error: "The request body is missing `delay_id` or `delay_timeout`" },
      ]);
    }
  });

  test("a bad OpenID token is 401 M_UNAUTHORIZED", async () => {
    const { body } = await member(await newUser(server));
    const res = await server.post(`${JWT}/delegate_delayed_leave`, {
      ...body,
      openid_token: { ...body.openid_token, access_token: "oid_nope" },
      delay_id: "x",
      delay_timeout: 1000,
    });
    expect([res.status, res.body.errcode]).toEqual([401, "M_UNAUTHORIZED"]);
  });

  test("is refused to a user who is not joined to the room (403)", async () => {
    const { body } = await member(await newUser(server));
    const res = await server.post(`${JWT}/delegate_delayed_leave`, { ...body, delay_id: "x", delay_timeout: 1000 });
    expect([res.status, res.body.errcode]).toEqual([403, "M_FORBIDDEN"]);
  });
});

describe("leave delegation requested with a token", () => {
  test("waits for LiveKit's participant_joined webhook, restarts while connected, sends when the connection is lost", async () => {
    const carol = await joinCall(2000);
    const { body, identity } = await member(carol.user);
    const scheduledAt = (await delayedEvent(carol)).scheduled_at as number;
    expect(
      (await server.post(`${JWT}/get_token`, { ...body, delay_id: carol.delayId, delay_timeout: 2000 })).status,
    ).toBe(200);
    await until("the first GetParticipant", () =>
      livekit.calls.some((c) => c.method === "GetParticipant" && c.body.identity === identity),
    );
    expect((await delayedEvent(carol)).scheduled_at).toBe(scheduledAt);
    clock.advance(100); // so that the restart on joining shows in scheduled_at

    expect((await webhook(participantEvent("participant_joined", identity))).status).toBe(200);
    await until("the restart on joining", async () => (await delayedEvent(carol)).scheduled_at > scheduledAt);
    expect(await left(carol)).toBe(false);
    expect((await webhook(participantEvent("participant_connection_aborted", identity, "JOIN_FAILURE"))).status).toBe(
      200,
    );
    await until("the leave to be sent", () => left(carol), 1000);
  });

  test("the legacy /sfu/get delegates too, for the identity @user:server:DEVICE", async () => {
    const dave = await joinCall(2000);
    const token = (await member(dave.user)).body.openid_token;
    const res = await server.post(`${JWT}/sfu/get`, {
      room: roomId,
      openid_token: token,
      device_id: "LEGACY",
      delay_id: dave.delayId,
      delay_timeout: 2000,
    });
    expect(res.status).toBe(200);
    await webhook(participantEvent("participant_joined", `${dave.user.user_id}:LEGACY`));
    await webhook(participantEvent("participant_left", `${dave.user.user_id}:LEGACY`, "CLIENT_INITIATED"));
    await until("the leave to be sent", () => left(dave), 1000);
  });

  test("a participant who never connects has their leave sent when the delay runs out", async () => {
    const erin = await joinCall(200);
    const { body } = await member(erin.user);
    expect(
      (await server.post(`${JWT}/get_token`, { ...body, delay_id: erin.delayId, delay_timeout: 200 })).status,
    ).toBe(200);
    clock.advance(200);
    await until("the leave to be sent", () => left(erin));
  });

  test("a connection aborted before the first join gives up; the homeserver's timer sends the leave", async () => {
    const frank = await joinCall(800);
    const { body, identity } = await member(frank.user);
    expect(
      (await server.post(`${JWT}/get_token`, { ...body, delay_id: frank.delayId, delay_timeout: 800 })).status,
    ).toBe(200);
    await webhook(participantEvent("participant_connection_aborted", identity, "SIGNAL_CLOSE"));
    clock.advance(300);
    expect(await left(frank)).toBe(false);
    clock.advance(500);
    await until("the homeserver to send the leave", () => left(frank), 2000);
  });

  test("stops when the client has cancelled its delayed leave: nothing is sent when the participant leaves", async () => {
    const grace = await joinCall(300);
    const { body, identity } = await member(grace.user);
    expect((await server.post(`${DELAYED}/${grace.delayId}/cancel`, {})).status).toBe(200);
    expect(
      (await server.post(`${JWT}/get_token`, { ...body, delay_id: grace.delayId, delay_timeout: 300 })).status,
    ).toBe(200);
    await webhook(participantEvent("participant_joined", identity));
    await webhook(participantEvent("participant_left", identity, "CLIENT_INITIATED"));
    clock.advance(500);
    expect(await left(grace)).toBe(false);
    expect(await delayedEvent(grace)).toMatchObject({ finalised_ts: expect.any(Number) });
    expect((await delayedEvent(grace)).event_id).toBeUndefined();
  });

  test("a new delegation for the same participant replaces the old one", async () => {
    const user = await newUser(server);
    await join(server, user, roomId);
    const first = await joinCall(5000, user);
    const second = await joinCall(5000, user);
    const memberId = crypto.randomUUID();
    const { body, identity } = await member(user, memberId);
    expect(
      (await server.post(`${JWT}/get_token`, { ...body, delay_id: first.delayId, delay_timeout: 5000 })).status,
    ).toBe(200);
    expect(
      (
        await server.post(`${JWT}/get_token`, {
          ...(
            await member(user, memberId)
          ).body,
          delay_id: second.delayId,
          delay_timeout: 5000,
        })
      ).status,
    ).toBe(200);
    await webhook(participantEvent("participant_joined", identity));
    await webhook(participantEvent("participant_left", identity, "CLIENT_INITIATED"));
    await until("the second leave to be sent", async () => (await delayedEvent(second)).event_id !== undefined);
    expect((await delayedEvent(first)).finalised_ts).toBeUndefined();
    await server.post(`${DELAYED}/${first.delayId}/cancel`, {});
  });
});

describe("POST /livekit/jwt/sfu_webhook", () => {
  test("a signed event nobody delegated, or of another kind, is acknowledged with 200 {}", async () => {
    for (const event of [
      participantEvent("participant_joined", "nobody"),
      { event: "room_started", room: { name: "r" } },
    ]) {
      const res = await webhook(event);
      expect([res.status, res.body]).toEqual([200, {}]);
    }
  });

  test("an unsigned, wrongly signed or altered webhook is 401 M_UNAUTHORIZED", async () => {
    const event = participantEvent("participant_left", "x");
    const signed = await livekit.signWebhook(event);
    const foreign = await livekit.signWebhook(event, "another-secret-of-at-least-32-chars!");
    const headers = (authorization?: string) => ({
      "Content-Type": "application/webhook+json",
      ...(authorization ? { Authorization: authorization } : {}),
    });
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
