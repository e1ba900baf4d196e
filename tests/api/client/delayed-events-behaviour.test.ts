/**
 * What Element Call relies on from delayed events beyond the endpoints (design R16, R17):
 * whose state changes cancel a delayed state event, authorization at sending time, the
 * per-user cap and the capability, MSC4140's final API, and sending what fell due while
 * the server was down, in order.
 */
import { describe, expect, test } from "bun:test";
import { deactivateUser, manualClock } from "../../support/fixtures.ts";
import {
  DELAYED,
  lookup,
  manage,
  scheduled,
  scheduleMessage,
  scheduleState,
  stateOf,
  storedDelayedEvent,
  TEST_TYPE,
  until,
} from "../../support/delayed-events.ts";
import { createRoom, join, messages, newUser, roomPath, setState } from "../../support/rooms.ts";
import { createTestServer, tempDir, type ConfigOverrides } from "../../support/server.ts";

async function setup(overrides: ConfigOverrides = {}, testLevel = 0) {
  // Delays pass when the test moves the clock, not in real time.
  const clock = manualClock(Date.now());
  const server = createTestServer(overrides, { clock });
  const alice = await newUser(server);
  const bob = await newUser(server);
  const roomId = await createRoom(server, alice, {
    preset: "public_chat",
    power_level_content_override: { events: { [TEST_TYPE]: testLevel } },
  });
  await join(server, bob, roomId);
  return { server, clock, alice, bob, roomId };
}

describe("state changes and delayed state events", () => {
  test("the user's own later change does not cancel their delayed state event (Element Call: leave first, then join)", async () => {
    const { server, clock, alice, roomId } = await setup();
    const delayId = await scheduleState(server, alice, roomId, "_call_member", {}, 300);
    expect((await setState(server, alice, roomId, TEST_TYPE, "_call_member", { joined: true })).status).toBe(200);
    expect((await lookup(server, alice, delayId)).finalised_ts).toBeUndefined();
    clock.advance(300);
    await until(
      "the leave to be sent",
      async () => Object.keys((await stateOf(server, alice, roomId, "_call_member")).body).length === 0,
    );
    server.close();
  });

  test("another user's change to the same state cancels it, with M_CANCELLED_BY_STATE_UPDATE", async () => {
    const { server, clock, alice, bob, roomId } = await setup();
    const cancelled = await scheduleState(server, alice, roomId, "shared", { by: "alice" }, 300);
    const otherKey = await scheduleState(server, alice, roomId, "elsewhere", { by: "alice" }, 100_000);
    await server.put(roomPath(roomId, `/send/${TEST_TYPE}/m1`), { by: "bob" }, { token: bob.access_token });
    await setState(server, bob, roomId, TEST_TYPE, "shared", { by: "bob" });
    expect((await scheduled(server, alice)).map((e) => e.delay_id)).toEqual([otherKey]);
    expect(await lookup(server, alice, cancelled)).toMatchObject({
      finalised_ts: expect.any(Number),
      error: { errcode: "M_UNKNOWN", "org.matrix.msc4140.errcode": "M_CANCELLED_BY_STATE_UPDATE" },
    });
    clock.advance(400);
    expect((await stateOf(server, alice, roomId, "shared")).body).toEqual({ by: "bob" });
    server.close();
  });

  test("a delayed state event that another user's delayed event overwrites is cancelled too", async () => {
    const { server, clock, alice, bob, roomId } = await setup();
    const bobs = await scheduleState(server, bob, roomId, "race", { by: "bob" }, 100_000);
    await scheduleState(server, alice, roomId, "race", { by: "alice" }, 100);
    clock.advance(100);
    await until("alice's event to be sent", async () => (await stateOf(server, alice, roomId, "race")).status === 200);
    expect((await lookup(server, bob, bobs)).error["org.matrix.msc4140.errcode"]).toBe("M_CANCELLED_BY_STATE_UPDATE");
    server.close();
  });
});

describe("authorization when the event is sent", () => {
  test("an event its sender may no longer send when it falls due is dropped with the error", async () => {
    const { server, clock, alice, bob, roomId } = await setup();
    const delayId = await scheduleState(server, bob, roomId, "bobs", { v: 1 }, 300);
    const levels = (await server.get(roomPath(roomId, "/state/m.room.power_levels/"), { token: alice.access_token }))
      .body;
    await setState(server, alice, roomId, "m.room.power_levels", "", {
      ...levels,
      events: { ...levels.events, [TEST_TYPE]: 100 },
    });
    clock.advance(300);
    await until(
      "the event to be finalised",
      async () => (await lookup(server, bob, delayId)).finalised_ts !== undefined,
    );
    expect((await lookup(server, bob, delayId)).error).toMatchObject({ errcode: "M_FORBIDDEN" });
    expect((await stateOf(server, alice, roomId, "bobs")).status).toBe(404);
    const finalised = (await server.get(`${DELAYED}?status=finalised`, { token: bob.access_token })).body.finalised;
    expect(finalised[0]).toMatchObject({ outcome: "cancel", reason: "error", error: { errcode: "M_FORBIDDEN" } });
    server.close();
  });

  test("an event not permitted when scheduled is sent if the power levels allow it by then", async () => {
    const { server, clock, alice, bob, roomId } = await setup({}, 50);
    const delayId = await scheduleState(server, bob, roomId, "later", { v: 1 }, 300);
    const levels = (await server.get(roomPath(roomId, "/state/m.room.power_levels/"), { token: alice.access_token }))
      .body;
    await setState(server, alice, roomId, "m.room.power_levels", "", {
      ...levels,
      events: { ...levels.events, [TEST_TYPE]: 0 },
    });
    clock.advance(300);
    await until("the event to be sent", async () => (await stateOf(server, alice, roomId, "later")).status === 200);
    expect((await lookup(server, bob, delayId)).event_id).toStartWith("$");
    server.close();
  });

  test("send on request of a refused event answers the refusal and keeps it scheduled", async () => {
    const { server, bob, roomId } = await setup({}, 50);
    const delayId = await scheduleState(server, bob, roomId, "refused", { v: 1 }, 100_000);
    const res = await manage(server, delayId, "send");
    expect([res.status, res.body.errcode]).toEqual([403, "M_FORBIDDEN"]);
    expect((await lookup(server, bob, delayId)).finalised_ts).toBeUndefined();
    expect((await manage(server, delayId, "cancel")).status).toBe(200);
    server.close();
  });

  test("a deactivated user's delayed events are cancelled", async () => {
    const { server, bob, roomId } = await setup();
    const delayId = await scheduleMessage(server, bob, roomId, { v: 1 }, 100_000);
    deactivateUser(server, bob);
    await until("the cancellation", () => storedDelayedEvent(server, delayId)?.finalised_ts !== null);
    expect(storedDelayedEvent(server, delayId)?.outcome).toBe("cancel");
    server.close();
  });
});

describe("limits and capability", () => {
  test("max_per_user caps a user's scheduled events: 429 M_LIMIT_EXCEEDED with Retry-After until the next is due", async () => {
    const { server, alice, bob, roomId } = await setup({ delayed_events: { max_per_user: 2 } });
    const first = await scheduleMessage(server, alice, roomId, {}, 30_000);
    await scheduleMessage(server, alice, roomId, {}, 60_000);
    const res = await server.put(
      roomPath(roomId, `/send/${TEST_TYPE}/third?org.matrix.msc4140.delay=1000`),
      {},
      { token: alice.access_token },
    );
    expect([res.status, res.body.errcode, res.body["org.matrix.msc4140.errcode"]]).toEqual([
      429,
      "M_LIMIT_EXCEEDED",
      "M_MAX_DELAYED_EVENTS_EXCEEDED",
    ]);
    expect(res.body.retry_after_ms).toBeWithin(29_000, 30_001);
    expect(res.headers.get("retry-after")).toBe("30");
    await scheduleMessage(server, bob, roomId, {}, 1000);
    await manage(server, first, "cancel");
    await scheduleMessage(server, alice, roomId, {}, 1000);
    server.close();
  });

  test("the capability and /versions advertise delayed events; max_per_user = 0 switches them off", async () => {
    const on = await setup({ delayed_events: { max_delay_ms: 60_000, max_per_user: 7 } });
    expect((await on.server.get("/_matrix/client/versions")).body.unstable_features["org.matrix.msc4140"]).toBe(true);
    const caps = (await on.server.get("/_matrix/client/v3/capabilities", { token: on.alice.access_token })).body
      .capabilities;
    expect(caps["org.matrix.msc4140.delayed_events"]).toEqual({ max_delay_ms: 60_000, max_scheduled: 7 });
    on.server.close();

    const off = await setup({ delayed_events: { max_per_user: 0 } });
    expect(
      (await off.server.get("/_matrix/client/versions")).body.unstable_features["org.matrix.msc4140"],
    ).toBeUndefined();
    expect(
      (await off.server.get("/_matrix/client/v3/capabilities", { token: off.alice.access_token })).body.capabilities[
        "org.matrix.msc4140.delayed_events"
      ],
    ).toBeUndefined();
    const res = await off.server.put(
      roomPath(off.roomId, `/send/${TEST_TYPE}/t?org.matrix.msc4140.delay=1000`),
      {},
      { token: off.alice.access_token },
    );
    expect([res.status, res.body.errcode]).toEqual([403, "M_FORBIDDEN"]);
    off.server.close();
  });

  test("restart, send and cancel are rate-limited per user, or per delay_id without a token", async () => {
    const { server, alice, roomId } = await setup({
      rate_limits: { enabled: true, delayed_event_management: { per_second: 0.01, burst: 2 } },
    });
    const delayId = await scheduleMessage(server, alice, roomId, {}, 100_000);
    const statuses = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await server.post(`${DELAYED}/${delayId}/restart`, {}, { token: alice.access_token })).status);
    for (let i = 0; i < 3; i++) statuses.push((await manage(server, delayId, "restart")).status);
    expect(statuses).toEqual([200, 200, 429, 200, 200, 429]);
    server.close();
  });
});

describe("MSC4140's final API", () => {
  test("PUT …/delayed_event/{eventType}/{txnId} schedules message and state events; the txnId answers the same delay_id", async () => {
    const { server, clock, alice, roomId } = await setup();
    for (const prefix of ["/_matrix/client/v3", "/_matrix/client/unstable/org.matrix.msc4140"]) {
      const path = `${prefix}/rooms/${encodeURIComponent(roomId)}/delayed_event/${TEST_TYPE}/final-${prefix.length}`;
      const first = await server.put(
        path,
        { delay_ms: 100, state_key: `final${prefix.length}`, content: { v: 1 } },
        { token: alice.access_token },
      );
      expect(first.status, JSON.stringify(first.body)).toBe(200);
      const again = await server.put(
        path,
        { delay_ms: 100, state_key: `final${prefix.length}`, content: { v: 1 } },
        { token: alice.access_token },
      );
      expect(again.body).toEqual(first.body);
      clock.advance(100);
      await until(
        "the state event",
        async () => (await stateOf(server, alice, roomId, `final${prefix.length}`)).status === 200,
      );
    }
    const tooLong = await server.put(
      `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/delayed_event/${TEST_TYPE}/long`,
      { delay_ms: 86_400_001, content: {} },
      { token: alice.access_token },
    );
    expect([tooLong.status, tooLong.body.errcode, tooLong.body["org.matrix.msc4140.max_delay"]]).toEqual([
      403,
      "M_FORBIDDEN",
      86_400_000,
    ]);
    server.close();
  });

  test("/v1/delayed_events: authenticated, own events only, retries of the finalising action succeed, conflicting ones are 409", async () => {
    const { server, alice, bob, roomId } = await setup();
    const V1 = "/_matrix/client/v1/delayed_events";
    const delayId = await scheduleState(server, alice, roomId, "v1", { v: 1 }, 100_000);
    expect((await server.get(V1, { token: alice.access_token })).body).toEqual({
      delayed_events: [
        {
          delay_id: delayId,
          room_id: roomId,
          type: TEST_TYPE,
          state_key: "v1",
          delay_ms: 100_000,
          scheduled_at: expect.any(Number),
          content: { v: 1 },
        },
      ],
    });
    expect((await server.post(`${V1}/${delayId}/restart`, {})).status).toBe(401);
    expect((await server.post(`${V1}/${delayId}/restart`, {}, { token: bob.access_token })).status).toBe(404);
    expect((await server.post(`${V1}/${delayId}/restart`, {}, { token: alice.access_token })).status).toBe(200);
    expect((await server.post(`${V1}/${delayId}/send`, {}, { token: alice.access_token })).status).toBe(200);
    expect((await server.post(`${V1}/${delayId}/send`, {}, { token: alice.access_token })).status).toBe(200);
    for (const action of ["cancel", "restart"]) {
      const res = await server.post(`${V1}/${delayId}/${action}`, {}, { token: alice.access_token });
      expect([res.status, res.body.errcode]).toEqual([409, "M_UNKNOWN"]);
    }
    expect((await server.get(`${V1}/${delayId}`, { token: alice.access_token })).body).toMatchObject({
      event_id: expect.any(String),
      finalised_ts: expect.any(Number),
    });
    server.close();
  });
});

describe("across a restart", () => {
  test("events that fell due while the server was down are sent at start, in the order they fell due", async () => {
    const dir = tempDir();
    const clock = manualClock(Date.now());
    try {
      const first = createTestServer({}, { databasePath: dir.path, clock });
      const alice = await newUser(first);
      const roomId = await createRoom(first, alice, {
        preset: "public_chat",
        power_level_content_override: { events: { [TEST_TYPE]: 0 } },
      });
      const from = (await messages(first, alice, roomId, { dir: "b", limit: "1" })).body.start;
      for (const [n, delay] of [
        [3, 3000],
        [1, 1000],
        [2, 2000],
      ] as const)
        await scheduleState(first, alice, roomId, `k${n}`, { n }, delay);
      const later = await scheduleState(first, alice, roomId, "later", {}, 60_000);
      first.close();

      clock.advance(10_000);
      const second = createTestServer({}, { databasePath: dir.path, clock });
      await until("the overdue events", async () => (await scheduled(second, alice)).length === 1);
      const chunk = (await messages(second, alice, roomId, { dir: "f", from })).body.chunk as Array<
        Record<string, any>
      >;
      expect(chunk.filter((e) => e.type === TEST_TYPE).map((e) => e.content.n)).toEqual([1, 2, 3]);
      expect((await scheduled(second, alice)).map((e) => e.delay_id)).toEqual([later]);
      second.close();
    } finally {
      dir.remove();
    }
  });
});
