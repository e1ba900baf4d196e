/**
 * Room events pushed to appservices: which events an appservice is interested in, the
 * client format, queueing inside the append transaction, and delivery under faults.
 */
import { afterEach, describe, expect, test } from "bun:test";
import {
  appserviceDeliveriesSettled,
  registerAppservice,
  startAppserviceDelivery,
  startFakeAppservice,
  stopAppserviceDelivery,
  storedOutboxCount,
} from "../../support/fake-appservice.ts";
import { createRoom, join, newUser, roomPath, sendMessage, V3 } from "../../support/rooms.ts";
import { createTestServer, type TestServer } from "../../support/server.ts";
import type { Registration } from "../../../src/core/appservices/registration-file.ts";

const FAST = { retry_min_ms: 20, retry_max_ms: 100, request_timeout_ms: 2000 };
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(overrides: (id: string) => Record<string, unknown> = () => ({})) {
  const fake = await startFakeAppservice();
  const server = createTestServer({ appservices: FAST });
  const as = registerAppservice(server, { url: fake.url, hs_token: fake.hsToken, ...overrides(`as_${fake.port}`) });
  startAppserviceDelivery(server);
  cleanups.push(
    () => fake.stop(),
    () => stopAppserviceDelivery(server),
  );
  return { fake, server, as };
}

/** Acts as `userId` with the appservice's token (?user_id=). */
function actingAs(server: TestServer, as: Registration, userId: string) {
  const suffix = (path: string) => `${path}${path.includes("?") ? "&" : "?"}user_id=${encodeURIComponent(userId)}`;
  return {
    post: (path: string, body: unknown) => server.post(suffix(path), body, { token: as.as_token }),
    put: (path: string, body: unknown) => server.put(suffix(path), body, { token: as.as_token }),
  };
}

async function registerGhost(server: TestServer, as: Registration, name: string): Promise<string> {
  const res = await server.post(
    `${V3}/register`,
    { type: "m.login.application_service", username: `_${as.id}_${name}`, inhibit_login: true },
    { token: as.as_token },
  );
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.user_id;
}

describe("which room events an appservice receives", () => {
  test("nothing from rooms it has no interest in", async () => {
    const { fake, server } = await setup();
    const alice = await newUser(server);
    const roomId = await createRoom(server, alice);
    await sendMessage(server, alice, roomId, "private");
    await appserviceDeliveriesSettled(server);
    expect(fake.received).toEqual([]);
    expect(roomId).toStartWith("!");
  });

  test("events of its users, invites to them, and everything in rooms where they are members", async () => {
    const { fake, server, as } = await setup();
    const alice = await newUser(server);
    const ghost = await registerGhost(server, as, "bob");
    const roomId = await createRoom(server, alice, { name: "bridged" });
    await sendMessage(server, alice, roomId, "before the ghost");
    const invited = await server.post(roomPath(roomId, "/invite"), { user_id: ghost }, { token: alice.access_token });
    expect(invited.status).toBe(200);
    expect((await actingAs(server, as, ghost).post(`${V3}/join/${encodeURIComponent(roomId)}`, {})).status).toBe(200);
    await sendMessage(server, alice, roomId, "to the bridge");
    const sent = await actingAs(server, as, ghost).put(roomPath(roomId, "/send/m.room.message/g1"), {
      msgtype: "m.text",
      body: "from the bridge",
    });
    expect(sent.status).toBe(200);
    await fake.waitFor(() => fake.items("events").length === 4);
    const events = fake.items("events");
    expect(events.map((e) => [e.type, e.sender, e.content.membership ?? e.content.body])).toEqual([
      ["m.room.member", alice.user_id, "invite"],
      ["m.room.member", ghost, "join"],
      ["m.room.message", alice.user_id, "to the bridge"],
      ["m.room.message", ghost, "from the bridge"],
    ]);
    // The client-server format, as /sync would give it.
    expect(events[3]).toMatchObject({
      event_id: sent.body.event_id,
      room_id: roomId,
      origin_server_ts: expect.any(Number),
      unsigned: { age: expect.any(Number) },
    });
    expect(events[3].auth_events).toBeUndefined();
    expect(events[0].state_key).toBe(ghost);
  });

  test("every event of rooms in its room namespace or with an alias in its alias namespace", async () => {
    const { fake, server } = await setup(() => ({ namespaces: { rooms: [{ regex: "!.*", exclusive: false }] } }));
    const alice = await newUser(server);
    const roomId = await createRoom(server, alice);
    await sendMessage(server, alice, roomId);
    await fake.waitFor(() => fake.items("events").some((e) => e.type === "m.room.message"));
    expect(fake.items("events")[0].type).toBe("m.room.create");

    const aliased = await setup(() => ({ namespaces: { aliases: [{ regex: "#bridged_.*", exclusive: false }] } }));
    const bob = await newUser(aliased.server);
    const other = await createRoom(aliased.server, bob);
    await sendMessage(aliased.server, bob, other, "not aliased");
    const room = await createRoom(aliased.server, bob, { room_alias_name: "bridged_chat" });
    await sendMessage(aliased.server, bob, room, "aliased");
    await aliased.fake.waitFor(() => aliased.fake.items("events").some((e) => e.content.body === "aliased"));
    expect(aliased.fake.items("events").every((e) => e.room_id === room)).toBe(true);
  });

  test("a refused event queues nothing: the outbox commits with the event or not at all", async () => {
    const { fake, server, as } = await setup(() => ({ namespaces: { rooms: [{ regex: "!.*", exclusive: false }] } }));
    const alice = await newUser(server);
    const mallory = await newUser(server);
    const roomId = await createRoom(server, alice);
    await fake.waitFor(() => fake.items("events").length > 0);
    await stopAppserviceDelivery(server);
    const before = storedOutboxCount(server, as.id);
    const refused = await server.put(
      roomPath(roomId, "/send/m.room.message/x"),
      { msgtype: "m.text", body: "not a member" },
      { token: mallory.access_token },
    );
    expect(refused.status).toBe(403);
    const badRoom = await server.post(
      `${V3}/createRoom`,
      { initial_state: [{ type: "m.room.power_levels", content: { users: "nonsense" } }] },
      { token: alice.access_token },
    );
    expect(badRoom.status).toBe(400);
    expect(storedOutboxCount(server, as.id)).toBe(before);
  });
});

describe("delivery of room events under faults", () => {
  test("an appservice failing with 500s gets every event once, in order", async () => {
    const { fake, server } = await setup(() => ({ namespaces: { rooms: [{ regex: "!.*", exclusive: false }] } }));
    let failures = 0;
    fake.onRequest(() => (failures++ < 5 ? new Response("no", { status: 500 }) : undefined));
    const alice = await newUser(server);
    const roomId = await createRoom(server, alice);
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push(await sendMessage(server, alice, roomId, `m${i}`));
    await fake.waitFor(() => fake.items("events").filter((e) => e.type === "m.room.message").length === 30, 10_000);
    expect(
      fake
        .items("events")
        .filter((e) => e.type === "m.room.message")
        .map((e) => e.event_id),
    ).toEqual(ids);
  });
});

describe("aliases in exclusive namespaces", () => {
  test("only the appservice (or its users) may create them", async () => {
    const { server, as } = await setup((id) => ({
      namespaces: {
        users: [{ regex: `@_${id}_.*`, exclusive: true }],
        aliases: [{ regex: "#_bridge_.*", exclusive: true }],
      },
    }));
    const alice = await newUser(server);
    const refused = await server.post(
      `${V3}/createRoom`,
      { room_alias_name: "_bridge_x" },
      { token: alice.access_token },
    );
    expect([refused.status, refused.body.errcode]).toEqual([400, "M_EXCLUSIVE"]);
    expect(
      (await server.post(`${V3}/createRoom`, { room_alias_name: "_bridge_x" }, { token: as.as_token })).status,
    ).toBe(200);
    const outside = await server.post(`${V3}/createRoom`, { room_alias_name: "elsewhere" }, { token: as.as_token });
    expect([outside.status, outside.body.errcode]).toEqual([400, "M_EXCLUSIVE"]);
  });

  test("joining an unknown alias asks the appservice, which may create the room on the spot", async () => {
    const { fake, server, as } = await setup(() => ({
      namespaces: { aliases: [{ regex: "#_portal_.*", exclusive: true }] },
    }));
    fake.onRequest(async (_request, path) => {
      if (!path.startsWith("/_matrix/app/v1/rooms/")) return undefined;
      const alias = path.slice("/_matrix/app/v1/rooms/".length);
      if (alias !== "#_portal_irc:test.local") return Response.json({}, { status: 404 });
      const created = await server.post(
        `${V3}/createRoom`,
        { room_alias_name: "_portal_irc", preset: "public_chat" },
        { token: as.as_token },
      );
      return Response.json({}, { status: created.status });
    });
    const alice = await newUser(server);
    await join(server, alice, "#_portal_irc:test.local");
    const missing = await server.post(
      `${V3}/join/${encodeURIComponent("#_portal_nope:test.local")}`,
      {},
      { token: alice.access_token },
    );
    expect(missing.status).toBe(404);
    expect(fake.requests.filter((r) => r.path.startsWith("/_matrix/app/v1/rooms/")).map((r) => r.path)).toEqual([
      "/_matrix/app/v1/rooms/#_portal_irc:test.local",
      "/_matrix/app/v1/rooms/#_portal_nope:test.local",
    ]);
  });
});
