import { describe, expect, test } from "bun:test";
import { createTestServer, type TestServer } from "../../support/server.ts";
import type { TestUser } from "../../support/fixtures.ts";
import { createRoom, join, newUser, roomPath, sendMessage, setState, V3 } from "../../support/rooms.ts";
import { bodiesOf, roomState, sync, timeline, types } from "../../support/sync.ts";

/** Alice's public room with Bob in it, a few messages from each, a typing Bob, a receipt and room account data. */
async function busyRoom(server: TestServer) {
  const [alice, bob] = [await newUser(server), await newUser(server)];
  const roomId = await createRoom(server, alice, { preset: "public_chat", name: "Busy" });
  await join(server, bob, roomId);
  await sendMessage(server, alice, roomId, "from alice");
  await server.put(
    roomPath(roomId, "/send/m.room.message/img"),
    { msgtype: "m.image", body: "pic", url: "mxc://test.local/abc" },
    { token: bob.access_token },
  );
  const last = await sendMessage(server, bob, roomId, "from bob");
  await server.put(roomPath(roomId, "/send/org.example.custom/c1"), { x: 1 }, { token: alice.access_token });
  await server.put(
    roomPath(roomId, `/typing/${encodeURIComponent(bob.user_id)}`),
    { typing: true },
    { token: bob.access_token },
  );
  await server.post(roomPath(roomId, `/receipt/m.read/${encodeURIComponent(last)}`), {}, { token: bob.access_token });
  await server.put(
    `${V3}/user/${encodeURIComponent(alice.user_id)}/rooms/${encodeURIComponent(roomId)}/account_data/org.example.note`,
    { n: 1 },
    { token: alice.access_token },
  );
  await server.put(
    `${V3}/user/${encodeURIComponent(alice.user_id)}/account_data/org.example.global`,
    { g: 1 },
    { token: alice.access_token },
  );
  return { alice, bob, roomId };
}

const withFilter = (server: TestServer, user: TestUser, filter: object, query = {}) =>
  sync(server, user, { filter, ...query });

describe("GET /sync: filters", () => {
  test("a stored filter id and the same filter inline give the same result; an unknown id is 404, bad JSON 400", async () => {
    const server = createTestServer();
    const { alice, roomId } = await busyRoom(server);
    const filter = { room: { timeline: { limit: 1 } } };
    const stored = await server.post(`${V3}/user/${encodeURIComponent(alice.user_id)}/filter`, filter, {
      token: alice.access_token,
    });
    const byId = await sync(server, alice, { filter: stored.body.filter_id });
    const inline = await withFilter(server, alice, filter);
    expect(timeline(byId, roomId)).toHaveLength(1);
    expect(timeline(byId, roomId)[0].event_id).toBe(timeline(inline, roomId)[0].event_id);
    const unknown = await server.get(`${V3}/sync?filter=999`, { token: alice.access_token });
    expect([unknown.status, unknown.body.errcode]).toEqual([404, "M_NOT_FOUND"]);
    const broken = await server.get(`${V3}/sync?filter=${encodeURIComponent("{not json")}`, {
      token: alice.access_token,
    });
    expect([broken.status, broken.body.errcode]).toEqual([400, "M_NOT_JSON"]);
    const invalid = await server.get(
      `${V3}/sync?filter=${encodeURIComponent(JSON.stringify({ room: { timeline: { limit: "x" } } }))}`,
      { token: alice.access_token },
    );
    expect([invalid.status, invalid.body.errcode]).toEqual([400, "M_BAD_JSON"]);
    server.close();
  });

  test("timeline: types, not_types, senders, not_senders, contains_url and limit", async () => {
    const server = createTestServer();
    const { alice, bob, roomId } = await busyRoom(server);
    const events = async (filter: object) =>
      timeline(await withFilter(server, alice, { room: { timeline: { limit: 50, ...filter } } }), roomId);
    expect(types(await events({ types: ["org.example.*"] }))).toEqual(["org.example.custom"]);
    expect(types(await events({ not_types: ["m.room.*"] }))).toEqual(["org.example.custom"]);
    expect(bodiesOf(await events({ senders: [bob.user_id], types: ["m.room.message"] }))).toEqual(["pic", "from bob"]);
    expect(bodiesOf(await events({ not_senders: [bob.user_id], types: ["m.room.message"] }))).toEqual(["from alice"]);
    expect(bodiesOf(await events({ contains_url: true }))).toEqual(["pic"]);
    expect((await events({ contains_url: false })).some((e) => e.content.url !== undefined)).toBe(false);
    const limited = (await withFilter(server, alice, { room: { timeline: { limit: 2 } } })).rooms.join[roomId].timeline;
    expect([limited.events.length, limited.limited]).toEqual([2, true]);
    server.close();
  });

  test("state: types and not_types; lazy_load_members keeps only the members it needs", async () => {
    const server = createTestServer();
    const { alice, bob, roomId } = await busyRoom(server);
    const carol = await newUser(server);
    await join(server, carol, roomId);
    await setState(server, alice, roomId, "m.room.topic", "", { topic: "t" });
    await sendMessage(server, bob, roomId, "last word");
    const filter = (state: object) => ({ room: { timeline: { limit: 1, types: ["m.room.message"] }, state } });
    expect(types(roomState(await withFilter(server, alice, filter({ types: ["m.room.name"] })), roomId))).toEqual([
      "m.room.name",
    ]);
    expect(
      types(roomState(await withFilter(server, alice, filter({ not_types: ["m.room.member"] })), roomId)),
    ).not.toContain("m.room.member");
    const lazy = roomState(await withFilter(server, alice, filter({ lazy_load_members: true })), roomId);
    const members = lazy
      .filter((e) => e.type === "m.room.member")
      .map((e) => e.state_key)
      .sort();
    // The timeline's one sender (Bob) and the syncing user; the named room needs no heroes.
    expect(members).toEqual([alice.user_id, bob.user_id].sort());
    expect(types(lazy)).toContain("m.room.topic");
    const all = roomState(await withFilter(server, alice, filter({})), roomId).filter(
      (e) => e.type === "m.room.member",
    );
    expect(all.map((e) => e.state_key)).toContain(carol.user_id);
    server.close();
  });

  test("lazy_load_members with include_redundant_members still sends the timeline senders' members", async () => {
    const server = createTestServer();
    const { alice, bob, roomId } = await busyRoom(server);
    const filter = {
      room: {
        timeline: { limit: 1, types: ["m.room.message"] },
        state: { lazy_load_members: true, include_redundant_members: true },
      },
    };
    const since = (await withFilter(server, alice, filter)).next_batch;
    await sendMessage(server, bob, roomId, "again");
    const members = roomState(await withFilter(server, alice, filter, { since }), roomId).filter(
      (e) => e.type === "m.room.member",
    );
    expect(members.map((e) => e.state_key)).toEqual([bob.user_id]);
    server.close();
  });

  test("rooms and not_rooms, for the whole room filter and for one section", async () => {
    const server = createTestServer();
    const { alice, roomId } = await busyRoom(server);
    const other = await createRoom(server, alice);
    expect(Object.keys((await withFilter(server, alice, { room: { rooms: [other] } })).rooms.join)).toEqual([other]);
    expect(Object.keys((await withFilter(server, alice, { room: { not_rooms: [other] } })).rooms.join)).toEqual([
      roomId,
    ]);
    const body = await withFilter(server, alice, { room: { timeline: { not_rooms: [roomId] } } });
    expect(timeline(body, roomId)).toEqual([]);
    expect(roomState(body, roomId).length).toBeGreaterThan(0);
    server.close();
  });

  test("ephemeral, room account_data, account_data and presence filters", async () => {
    const server = createTestServer();
    const { alice, roomId } = await busyRoom(server);
    const room = (body: any) => body.rooms.join[roomId];
    const noTyping = await withFilter(server, alice, { room: { ephemeral: { not_types: ["m.typing"] } } });
    expect(types(room(noTyping).ephemeral.events)).toEqual(["m.receipt"]);
    expect(types(room(await withFilter(server, alice, {})).ephemeral.events).sort()).toEqual(["m.receipt", "m.typing"]);
    expect(
      room(await withFilter(server, alice, { room: { account_data: { types: ["nothing"] } } })).account_data.events,
    ).toEqual([]);
    expect(types(room(await withFilter(server, alice, {})).account_data.events)).toEqual(["org.example.note"]);
    expect(
      types((await withFilter(server, alice, { account_data: { types: ["org.example.*"] } })).account_data.events),
    ).toEqual(["org.example.global"]);
    expect(
      types((await withFilter(server, alice, { account_data: { not_types: ["org.example.*"] } })).account_data.events),
    ).toEqual(["m.push_rules"]);
    expect((await withFilter(server, alice, { presence: { types: [] } })).presence.events).toEqual([]);
    expect((await withFilter(server, alice, {})).presence.events.length).toBeGreaterThan(0);
    expect(
      (await withFilter(server, alice, { presence: { not_senders: [alice.user_id] } })).presence.events.map(
        (e: any) => e.sender,
      ),
    ).not.toContain(alice.user_id);
    server.close();
  });

  test("event_fields keeps only the listed fields; event_format federation returns PDUs", async () => {
    const server = createTestServer();
    const { alice, roomId } = await busyRoom(server);
    const projected = timeline(
      await withFilter(server, alice, {
        event_fields: ["type", "content.body"],
        room: { timeline: { limit: 2, types: ["m.room.message"] } },
      }),
      roomId,
    );
    expect(projected).toEqual([
      { type: "m.room.message", content: { body: "pic" } },
      { type: "m.room.message", content: { body: "from bob" } },
    ]);
    const pdus = timeline(
      await withFilter(server, alice, { event_format: "federation", room: { timeline: { limit: 1 } } }),
      roomId,
    );
    expect(pdus[0]).toMatchObject({
      type: "org.example.custom",
      room_id: roomId,
      depth: expect.any(Number),
      hashes: expect.any(Object),
      signatures: expect.any(Object),
    });
    expect(pdus[0].unsigned.age).toBeNumber();
    const client = timeline(await withFilter(server, alice, { room: { timeline: { limit: 1 } } }), roomId);
    expect(client[0].room_id).toBeUndefined();
    expect(client[0].hashes).toBeUndefined();
    server.close();
  });
});
