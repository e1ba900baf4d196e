/**
 * Delayed events (MSC4140) over HTTP, case by case after complement's
 * tests/msc4140/delayed_event_test.go (rewritten, with shorter delays), plus the management
 * forms and answers Element Call, Element X and lk-jwt-service rely on.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { manualClock, type TestUser } from "../../support/fixtures.ts";
import {
  DELAYED,
  lookup,
  manage,
  scheduled,
  scheduleMessage,
  scheduleState,
  stateOf,
  TEST_TYPE,
  until,
} from "../../support/delayed-events.ts";
import { createRoom, join, messages, newUser, roomPath } from "../../support/rooms.ts";
import { createTestServer } from "../../support/server.ts";

// Delays pass when the test moves this clock: nothing waits in real time for an event to fall due.
const clock = manualClock(Date.now());
const server = createTestServer({}, { clock });
let alice: TestUser;
let bob: TestUser;
let roomId: string;
beforeAll(async () => {
  alice = await newUser(server);
  bob = await newUser(server);
  roomId = await createRoom(server, alice, {
    preset: "public_chat",
    power_level_content_override: { events: { [TEST_TYPE]: 0 } },
  });
  await join(server, bob, roomId);
});
afterAll(() => server.close());

describe("scheduling with ?org.matrix.msc4140.delay and sending on timeout", () => {
  test("a user has no delayed events at first; looking them up needs an access token", async () => {
    const fresh = await newUser(server);
    expect(await scheduled(server, fresh)).toEqual([]);
    const res = await server.get(DELAYED);
    expect([res.status, res.body.errcode]).toEqual([401, "M_MISSING_TOKEN"]);
  });

  test("delayed message events are sent in order when due; a retried txnId answers the same delay_id", async () => {
    const from = (await messages(server, alice, roomId, { dir: "b", limit: "1" })).body.start;
    const ids: string[] = [];
    for (const [i, delay] of [300, 350, 400].entries()) {
      const delayId = await scheduleMessage(server, alice, roomId, { count: i + 1 }, delay, `msg-timeout-${i}`);
      // complement re-sends without a body: the transaction answers before the body matters.
      const again = await server.put(
        roomPath(roomId, `/send/${TEST_TYPE}/msg-timeout-${i}?org.matrix.msc4140.delay=${delay}`),
        undefined,
        { token: alice.access_token },
      );
      expect([again.status, again.body]).toEqual([200, { delay_id: delayId }]);
      ids.push(delayId);
    }
    expect((await scheduled(server, alice)).map((e) => e.delay_id).sort()).toEqual([...ids].sort());
    expect(await scheduled(server, bob)).toEqual([]);

    clock.advance(400);
    await until("all three to be sent", async () => (await scheduled(server, alice)).length === 0, 2000);
    const chunk = (await messages(server, alice, roomId, { dir: "f", from })).body.chunk as Array<Record<string, any>>;
    expect(chunk.filter((e) => e.type === TEST_TYPE).map((e) => e.content)).toEqual([
      { count: 1 },
      { count: 2 },
      { count: 3 },
    ]);
    expect(chunk.find((e) => e.type === TEST_TYPE)?.sender).toBe(alice.user_id);
  });

  test("a delayed state event is listed with its content, and changes the state only when due", async () => {
    const delayId = await scheduleState(server, alice, roomId, "to_send_on_timeout", { setter: "on_timeout" }, 400);
    const [listed] = await scheduled(server, alice);
    expect(listed).toEqual({
      delay_id: delayId,
      room_id: roomId,
      type: TEST_TYPE,
      state_key: "to_send_on_timeout",
      content: { setter: "on_timeout" },
      delay: 400,
      delay_ms: 400,
      running_since: expect.any(Number),
      scheduled_at: listed!.running_since,
    });
    expect((await stateOf(server, alice, roomId, "to_send_on_timeout")).status).toBe(404);
    clock.advance(400);
    await until(
      "the state to change",
      async () => (await stateOf(server, alice, roomId, "to_send_on_timeout")).status === 200,
      2000,
    );
    expect((await stateOf(server, alice, roomId, "to_send_on_timeout")).body).toEqual({ setter: "on_timeout" });
    expect(await scheduled(server, alice)).toEqual([]);
  });
});

describe("managing without an access token: POST …/delayed_events/{delay_id}/{action}", () => {
  test("an update without an action fails; an unknown action in the path is an unknown endpoint (404)", async () => {
    const missing = await server.post(`${DELAYED}/abc`, {});
    expect([missing.status, missing.body.errcode]).toEqual([400, "M_MISSING_PARAM"]);
    const unknown = await manage(server, "abc", "oops");
    expect([unknown.status, unknown.body.errcode]).toEqual([404, "M_UNRECOGNIZED"]);
  });

  test("cancel, restart and send of an unknown delay_id are 404 M_NOT_FOUND", async () => {
    for (const action of ["cancel", "restart", "send"]) {
      const res = await manage(server, "abc", action);
      expect([res.status, res.body.errcode]).toEqual([404, "M_NOT_FOUND"]);
    }
  });

  test("a cancelled delayed state event is never sent", async () => {
    const delayId = await scheduleState(server, alice, roomId, "to_never_send", { setter: "none" }, 400);
    clock.advance(150);
    expect(await scheduled(server, alice)).toHaveLength(1);
    expect([
      (await manage(server, delayId, "cancel")).status,
      (await manage(server, delayId, "cancel")).status,
    ]).toEqual([200, 404]);
    expect(await scheduled(server, alice)).toEqual([]);
    clock.advance(500);
    expect((await stateOf(server, alice, roomId, "to_never_send")).status).toBe(404);
  });

  test("send on request sends at once; sending again answers 200, restarting or cancelling then 404", async () => {
    const delayId = await scheduleState(server, alice, roomId, "to_send_on_request", { setter: "on_send" }, 100_000);
    expect((await stateOf(server, alice, roomId, "to_send_on_request")).status).toBe(404);
    expect(await manage(server, delayId, "send")).toMatchObject({ status: 200, body: {} });
    expect((await stateOf(server, alice, roomId, "to_send_on_request")).body).toEqual({ setter: "on_send" });
    expect(await scheduled(server, alice)).toEqual([]);
    expect((await manage(server, delayId, "send")).status).toBe(200);
    expect((await manage(server, delayId, "restart")).status).toBe(404);
    expect((await manage(server, delayId, "cancel")).status).toBe(404);
  });

  test("restart starts the whole delay again from now", async () => {
    const delayId = await scheduleState(
      server,
      alice,
      roomId,
      "to_send_on_restarted_timeout",
      { setter: "on_timeout" },
      600,
    );
    clock.advance(400);
    expect((await manage(server, delayId, "restart")).status).toBe(200);
    clock.advance(400);
    // 800 ms after scheduling, past the first due time: still scheduled.
    expect((await stateOf(server, alice, roomId, "to_send_on_restarted_timeout")).status).toBe(404);
    expect(await scheduled(server, alice)).toHaveLength(1);
    clock.advance(200);
    await until(
      "the state to change",
      async () => (await stateOf(server, alice, roomId, "to_send_on_restarted_timeout")).status === 200,
      1000,
    );
  });

  test("the older form takes the action in the body (Element X), with or without an access token", async () => {
    const delayId = await scheduleState(server, alice, roomId, "body_form", { v: 1 }, 100_000);
    expect((await server.post(`${DELAYED}/${delayId}`, { action: "restart" })).status).toBe(200);
    const invalid = await server.post(`${DELAYED}/${delayId}`, { action: "explode" });
    expect([invalid.status, invalid.body.errcode]).toEqual([400, "M_INVALID_PARAM"]);
    expect(
      (await server.post(`${DELAYED}/${delayId}`, { action: "cancel" }, { token: alice.access_token })).status,
    ).toBe(200);
    expect((await server.post(`${DELAYED}/${delayId}`, { action: "cancel" })).status).toBe(404);
  });

  test("with an access token, any user holding the delay_id may act (it is the capability); a bad token is 401", async () => {
    const delayId = await scheduleState(server, alice, roomId, "capability", { v: 1 }, 100_000);
    expect((await server.post(`${DELAYED}/${delayId}/restart`, {}, { token: bob.access_token })).status).toBe(200);
    const bad = await server.post(`${DELAYED}/${delayId}/cancel`, {}, { token: "nope" });
    expect([bad.status, bad.body.errcode]).toEqual([401, "M_UNKNOWN_TOKEN"]);
    expect((await manage(server, delayId, "cancel")).status).toBe(200);
  });
});

describe("listing and looking up", () => {
  test("status and delay_id filter the list; finalised events say how they ended", async () => {
    const user = await newUser(server);
    await join(server, user, roomId);
    const sent = await scheduleState(server, user, roomId, "l1", { n: 1 }, 100_000);
    const cancelled = await scheduleState(server, user, roomId, "l2", { n: 2 }, 100_000);
    const waiting = await scheduleState(server, user, roomId, "l3", { n: 3 }, 100_000);
    await manage(server, sent, "send");
    await manage(server, cancelled, "cancel");

    const all = (await server.get(DELAYED, { token: user.access_token })).body;
    expect(all.scheduled.map((e: any) => e.delay_id)).toEqual([waiting]);
    expect(all.delayed_events).toEqual(all.scheduled);
    expect(all.finalised).toEqual([
      {
        delayed_event: expect.objectContaining({ delay_id: cancelled, content: { n: 2 } }),
        outcome: "cancel",
        reason: "action",
        origin_server_ts: expect.any(Number),
      },
      {
        delayed_event: expect.objectContaining({ delay_id: sent }),
        outcome: "send",
        reason: "action",
        event_id: expect.stringMatching(/^\$/),
        origin_server_ts: expect.any(Number),
      },
    ]);
    const onlyFinalised = (
      await server.get(`${DELAYED}?status=finalised&delay_id=${sent}&delay_id=${waiting}`, { token: user.access_token })
    ).body;
    expect(Object.keys(onlyFinalised)).toEqual(["finalised"]);
    expect(onlyFinalised.finalised.map((e: any) => e.delayed_event.delay_id)).toEqual([sent]);
    const onlyScheduled = (await server.get(`${DELAYED}?status=scheduled`, { token: user.access_token })).body;
    expect(Object.keys(onlyScheduled).sort()).toEqual(["delayed_events", "scheduled"]);
    const bad = await server.get(`${DELAYED}?status=pending`, { token: user.access_token });
    expect([bad.status, bad.body.errcode]).toEqual([400, "M_INVALID_PARAM"]);
    await manage(server, waiting, "cancel");
  });

  test("GET …/delayed_events/{delay_id} shows the user's own event, finalised or not; others' are 404", async () => {
    const delayId = await scheduleState(server, alice, roomId, "lookup", { v: 1 }, 100_000);
    expect(await lookup(server, alice, delayId)).toMatchObject({
      delay_id: delayId,
      delay_ms: 100_000,
      content: { v: 1 },
    });
    expect((await lookup(server, alice, delayId)).finalised_ts).toBeUndefined();
    expect((await server.get(`${DELAYED}/${delayId}`, { token: bob.access_token })).status).toBe(404);
    await manage(server, delayId, "cancel");
    expect(await lookup(server, alice, delayId)).toMatchObject({ delay_id: delayId, finalised_ts: expect.any(Number) });
  });
});

describe("refusals", () => {
  test("a delay above max_delay_ms is the unstable M_MAX_DELAY_EXCEEDED matrix-js-sdk reads (with the maximum)", async () => {
    const res = await server.put(
      roomPath(roomId, `/state/${TEST_TYPE}/x?org.matrix.msc4140.delay=86400001`),
      {},
      { token: alice.access_token },
    );
    expect([res.status, res.body]).toEqual([
      400,
      {
        errcode: "M_UNKNOWN",
        error: expect.any(String),
        "org.matrix.msc4140.errcode": "M_MAX_DELAY_EXCEEDED",
        "org.matrix.msc4140.max_delay": 86_400_000,
      },
    ]);
  });

  test("a delay that is not a positive integer, or a parent_delay_id, is 400", async () => {
    for (const query of [
      "org.matrix.msc4140.delay=0",
      "org.matrix.msc4140.delay=-5",
      "org.matrix.msc4140.delay=1.5",
      "org.matrix.msc4140.delay=soon",
      "org.matrix.msc4140.parent_delay_id=x",
    ]) {
      const res = await server.put(
        roomPath(roomId, `/send/${TEST_TYPE}/bad-${query}?${query}`),
        {},
        { token: alice.access_token },
      );
      expect([query, res.status, res.body.errcode]).toEqual([query, 400, "M_INVALID_PARAM"]);
    }
  });

  test("scheduling into a room the user is not in, or that does not exist, is 403 now rather than a failure later", async () => {
    const outsider = await newUser(server);
    for (const room of [roomId, "!nowhere:test.local"]) {
      const res = await server.put(
        roomPath(room, `/send/${TEST_TYPE}/t?org.matrix.msc4140.delay=1000`),
        {},
        { token: outsider.access_token },
      );
      expect([res.status, res.body.errcode]).toEqual([403, "M_FORBIDDEN"]);
    }
  });

  test("content that could never be sent (a float, over 64 KiB) is refused when scheduling", async () => {
    const float = await server.put(
      roomPath(roomId, `/send/${TEST_TYPE}/float?org.matrix.msc4140.delay=1000`),
      { n: 1.5 },
      { token: alice.access_token },
    );
    expect([float.status, float.body.errcode]).toEqual([400, "M_BAD_JSON"]);
    const big = await server.put(
      roomPath(roomId, `/send/${TEST_TYPE}/big?org.matrix.msc4140.delay=1000`),
      { b: "x".repeat(70_000) },
      { token: alice.access_token },
    );
    expect([big.status, big.body.errcode]).toEqual([413, "M_TOO_LARGE"]);
  });
});
