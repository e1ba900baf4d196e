import { describe, expect, test } from "bun:test";
import { createTestServer, type TestServer } from "../../support/server.ts";
import { createRoom, join, newUser, roomPath, setState, V3 } from "../../support/rooms.ts";
import { makeAdmin, type TestUser } from "../../support/fixtures.ts";

const listPath = (roomId: string) => `${V3}/directory/list/room/${encodeURIComponent(roomId)}`;

function publicRooms(server: TestServer, query: Record<string, string> = {}) {
  const search = new URLSearchParams(query).toString();
  return server.get(`${V3}/publicRooms${search ? `?${search}` : ""}`);
}

/** Public rooms with 1..n members, named so that searches can tell them apart. */
async function roomsWithMembers(server: TestServer, owner: TestUser, sizes: number[]) {
  const ids: string[] = [];
  const members = await Promise.all(Array.from({ length: Math.max(...sizes) - 1 }, () => newUser(server)));
  for (const [index, size] of sizes.entries()) {
    const roomId = await createRoom(server, owner, {
      visibility: "public",
      name: `Room ${index}`,
      topic: `Topic ${index}`,
    });
    for (const member of members.slice(0, size - 1)) await join(server, member, roomId);
    ids.push(roomId);
  }
  return ids;
}

describe("GET and PUT /directory/list/room/{roomId}", () => {
  test("createRoom's visibility publishes; the creator unpublishes and republishes", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const roomId = await createRoom(server, alice, { visibility: "public" });
    expect((await server.get(listPath(roomId))).body).toEqual({ visibility: "public" });
    const hide = await server.put(listPath(roomId), { visibility: "private" }, { token: alice.access_token });
    expect(hide.status).toBe(200);
    expect(hide.body).toEqual({});
    expect((await server.get(listPath(roomId))).body).toEqual({ visibility: "private" });
    // The body's visibility defaults to public.
    expect((await server.put(listPath(roomId), {}, { token: alice.access_token })).status).toBe(200);
    expect((await server.get(listPath(roomId))).body).toEqual({ visibility: "public" });
  });

  test("private rooms start private; unknown rooms are 404 M_NOT_FOUND", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const roomId = await createRoom(server, alice);
    expect((await server.get(listPath(roomId))).body).toEqual({ visibility: "private" });
    for (const res of [
      await server.get(listPath("!unknown:test.local")),
      await server.put(listPath("!unknown:test.local"), {}, { token: alice.access_token }),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.errcode).toBe("M_NOT_FOUND");
    }
  });

  test("members without the power to send m.room.canonical_alias get 403; moderators and server admins may", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const bob = await newUser(server);
    const carol = await newUser(server);
    const roomId = await createRoom(server, alice, { preset: "public_chat" });
    await join(server, bob, roomId);
    const refused = await server.put(listPath(roomId), { visibility: "public" }, { token: bob.access_token });
    expect(refused.status).toBe(403);
    expect(refused.body.errcode).toBe("M_FORBIDDEN");
    // Not joined: refused whatever the levels say.
    expect((await server.put(listPath(roomId), {}, { token: carol.access_token })).status).toBe(403);
    const levels = (await server.get(roomPath(roomId, "/state/m.room.power_levels"), { token: alice.access_token }))
      .body;
    await setState(server, alice, roomId, "m.room.power_levels", "", {
      ...levels,
      users: { ...levels.users, [bob.user_id]: 50 },
    });
    expect((await server.put(listPath(roomId), {}, { token: bob.access_token })).status).toBe(200);
    makeAdmin(server, carol);
    expect((await server.put(listPath(roomId), { visibility: "private" }, { token: carol.access_token })).status).toBe(
      200,
    );
    expect((await server.get(listPath(roomId))).body).toEqual({ visibility: "private" });
  });

  test("a bad visibility is 400, and changing it needs a token", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const roomId = await createRoom(server, alice);
    expect((await server.put(listPath(roomId), { visibility: "hidden" }, { token: alice.access_token })).status).toBe(
      400,
    );
    expect((await server.put(listPath(roomId), { visibility: "public" })).body.errcode).toBe("M_MISSING_TOKEN");
  });
});

describe("GET and POST /publicRooms", () => {
  test("lists published rooms with the spec's fields, largest first, without a token", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const small = await createRoom(server, alice, { visibility: "public", name: "Small", room_alias_name: "small" });
    await server.post(`${V3}/createRoom`, { visibility: "private", name: "Hidden" }, { token: alice.access_token });
    const big = await createRoom(server, alice, {
      visibility: "public",
      name: "Big",
      topic: "Plain topic",
      creation_content: { type: "m.space" },
      initial_state: [
        { type: "m.room.avatar", content: { url: "mxc://test.local/avatar" } },
        { type: "m.room.history_visibility", content: { history_visibility: "world_readable" } },
        { type: "m.room.guest_access", content: { guest_access: "can_join" } },
      ],
    });
    await join(server, await newUser(server), big);
    const res = await publicRooms(server);
    expect(res.status).toBe(200);
    expect(res.body.total_room_count_estimate).toBe(2);
    expect(res.body.next_batch).toBeUndefined();
    expect(res.body.prev_batch).toBeUndefined();
    expect(res.body.chunk).toEqual([
      {
        room_id: big,
        name: "Big",
        topic: "Plain topic",
        avatar_url: "mxc://test.local/avatar",
        num_joined_members: 2,
        world_readable: true,
        guest_can_join: true,
        join_rule: "public",
        room_type: "m.space",
      },
      {
        room_id: small,
        name: "Small",
        canonical_alias: "#small:test.local",
        num_joined_members: 1,
        world_readable: false,
        guest_can_join: false,
        join_rule: "public",
      },
    ]);
  });

  test("the topic is the text/plain representation of m.topic when there is one", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const roomId = await createRoom(server, alice, { visibility: "public" });
    await setState(server, alice, roomId, "m.room.topic", "", {
      topic: "fallback",
      "m.topic": { "m.text": [{ mimetype: "text/html", body: "<b>rich</b>" }, { body: "plain" }] },
    });
    expect((await publicRooms(server)).body.chunk[0].topic).toBe("plain");
  });

  test("invite-only rooms stay published but unlisted, unless world_readable; knock rooms are listed", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const invite = await createRoom(server, alice, { visibility: "public", preset: "private_chat" });
    const knock = await createRoom(server, alice, {
      visibility: "public",
      initial_state: [{ type: "m.room.join_rules", content: { join_rule: "knock" } }],
    });
    expect((await server.get(listPath(invite))).body.visibility).toBe("public");
    expect((await publicRooms(server)).body.chunk.map((room: { room_id: string }) => room.room_id)).toEqual([knock]);
    await setState(server, alice, invite, "m.room.history_visibility", "", { history_visibility: "world_readable" });
    expect((await publicRooms(server)).body.chunk).toHaveLength(2);
  });

  test("pages with limit through next_batch and back through prev_batch, without repeats or gaps", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const ids = await roomsWithMembers(server, alice, [1, 4, 2, 3, 1]);
    const expected = [ids[1], ids[3], ids[2], ...[ids[0], ids[4]].sort()];
    const first = await publicRooms(server, { limit: "2" });
    expect(first.body.chunk.map((room: { room_id: string }) => room.room_id)).toEqual(expected.slice(0, 2));
    expect(first.body.prev_batch).toBeUndefined();
    expect(first.body.total_room_count_estimate).toBe(5);
    const second = await publicRooms(server, { limit: "2", since: first.body.next_batch });
    expect(second.body.chunk.map((room: { room_id: string }) => room.room_id)).toEqual(expected.slice(2, 4));
    const third = await publicRooms(server, { limit: "2", since: second.body.next_batch });
    expect(third.body.chunk.map((room: { room_id: string }) => room.room_id)).toEqual(expected.slice(4));
    expect(third.body.next_batch).toBeUndefined();
    const back = await publicRooms(server, { limit: "2", since: third.body.prev_batch });
    expect(back.body.chunk.map((room: { room_id: string }) => room.room_id)).toEqual(expected.slice(2, 4));
    const start = await publicRooms(server, { limit: "2", since: back.body.prev_batch });
    expect(start.body.chunk.map((room: { room_id: string }) => room.room_id)).toEqual(expected.slice(0, 2));
    expect(start.body.prev_batch).toBeUndefined();
    expect(start.body.next_batch).toBe(first.body.next_batch);
    // A token past the last room gives an empty page that still leads back.
    const beyond = await publicRooms(server, { limit: "2", since: "n0_!~" });
    expect(beyond.body.chunk).toEqual([]);
    expect(beyond.body.next_batch).toBeUndefined();
    const last = await publicRooms(server, { limit: "2", since: beyond.body.prev_batch });
    expect(last.body.chunk.map((room: { room_id: string }) => room.room_id)).toEqual(expected.slice(3));
  });

  test("POST filters by a case-insensitive search term on name, topic and canonical alias", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const byName = await createRoom(server, alice, { visibility: "public", name: "Bun Fans" });
    const byTopic = await createRoom(server, alice, { visibility: "public", topic: "all about BUNS" });
    const byAlias = await createRoom(server, alice, { visibility: "public", room_alias_name: "bunnies" });
    await createRoom(server, alice, { visibility: "public", name: "Unrelated" });
    const res = await server.post(
      `${V3}/publicRooms`,
      { filter: { generic_search_term: "bun" } },
      { token: alice.access_token },
    );
    expect(res.status).toBe(200);
    expect(res.body.chunk.map((room: { room_id: string }) => room.room_id).sort()).toEqual(
      [byName, byTopic, byAlias].sort(),
    );
    expect(res.body.total_room_count_estimate).toBe(3);
    const none = await server.post(
      `${V3}/publicRooms`,
      { filter: { generic_search_term: "zzz" } },
      { token: alice.access_token },
    );
    expect(none.body).toEqual({ chunk: [], total_room_count_estimate: 0 });
  });

  test("POST filters by room type, null meaning rooms without one, and pages like GET", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const plain = await createRoom(server, alice, { visibility: "public" });
    const space = await createRoom(server, alice, { visibility: "public", creation_content: { type: "m.space" } });
    const call = await createRoom(server, alice, {
      visibility: "public",
      creation_content: { type: "org.matrix.msc3417.call" },
    });
    const ids = async (room_types: Array<string | null>) =>
      (await server.post(`${V3}/publicRooms`, { filter: { room_types } }, { token: alice.access_token })).body.chunk
        .map((room: { room_id: string }) => room.room_id)
        .sort();
    expect(await ids(["m.space"])).toEqual([space]);
    expect(await ids([null])).toEqual([plain]);
    expect(await ids([null, "org.matrix.msc3417.call"])).toEqual([plain, call].sort());
    expect(await ids([])).toEqual([plain, space, call].sort());
    const page = await server.post(`${V3}/publicRooms`, { limit: 1 }, { token: alice.access_token });
    const next = await server.post(
      `${V3}/publicRooms`,
      { limit: 1, since: page.body.next_batch },
      { token: alice.access_token },
    );
    expect(next.body.chunk[0].room_id).not.toBe(page.body.chunk[0].room_id);
    expect(next.body.prev_batch).toBeDefined();
  });

  test("another server, a bad token or include_all_networks with an instance are 400 M_INVALID_PARAM", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    await createRoom(server, alice, { visibility: "public" });
    expect((await publicRooms(server, { server: "test.local" })).status).toBe(200);
    for (const res of [
      await publicRooms(server, { server: "other.example" }),
      await publicRooms(server, { since: "garbage" }),
      await server.post(`${V3}/publicRooms?server=other.example`, {}, { token: alice.access_token }),
      await server.post(
        `${V3}/publicRooms`,
        { include_all_networks: true, third_party_instance_id: "irc" },
        { token: alice.access_token },
      ),
    ]) {
      expect(res.status).toBe(400);
      expect(res.body.errcode).toBe("M_INVALID_PARAM");
    }
    expect((await server.post(`${V3}/publicRooms`, {})).body.errcode).toBe("M_MISSING_TOKEN");
  });

  test("an appservice network's list is separate; include_all_networks lists every list once", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const local = await createRoom(server, alice, { visibility: "public" });
    const bridged = await createRoom(server, alice, { preset: "public_chat" });
    server.stores.directory.insertListing(bridged, "irc", Date.now());
    server.stores.directory.insertListing(local, "irc", Date.now());
    const list = async (body: Record<string, unknown>) =>
      (await server.post(`${V3}/publicRooms`, body, { token: alice.access_token })).body.chunk
        .map((room: { room_id: string }) => room.room_id)
        .sort();
    expect(await list({})).toEqual([local]);
    expect(await list({ third_party_instance_id: "irc" })).toEqual([local, bridged].sort());
    expect(await list({ include_all_networks: true })).toEqual([local, bridged].sort());
  });
});
