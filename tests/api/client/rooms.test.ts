import { describe, expect, test } from "bun:test";
import { createTestServer, type TestServer } from "../../support/server.ts";
import { createRoom, invite, join, roomPath, sendMessage, setState, V3, newUser } from "../../support/rooms.ts";
import { createGuest } from "../../support/fixtures.ts";
import { eventStreamPosition, isListedInDirectory, storedRoomVersion } from "../../support/stored.ts";

const CALL_MEMBER = "org.matrix.msc3401.call.member";

async function state(server: TestServer, token: string, roomId: string, type: string, key = "") {
  return (await server.get(roomPath(roomId, `/state/${type}/${encodeURIComponent(key)}`), { token })).body;
}

describe("POST /createRoom", () => {
  test("creates a version 12 room whose id derives from the create event, with the preset's state", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const res = await server.post(`${V3}/createRoom`, { name: "Room", topic: "About" }, { token: alice.access_token });
    expect(res.status).toBe(200);
    const roomId = res.body.room_id as string;
    expect(roomId).toMatch(/^![A-Za-z0-9_-]{43}$/);
    const create = await server.get(roomPath(roomId, "/state/m.room.create/?format=event"), {
      token: alice.access_token,
    });
    expect(create.body.event_id.slice(1)).toBe(roomId.slice(1));
    expect(create.body.content).toEqual({ room_version: "12" });
    expect(await state(server, alice.access_token, roomId, "m.room.join_rules")).toEqual({ join_rule: "invite" });
    expect(await state(server, alice.access_token, roomId, "m.room.history_visibility")).toEqual({
      history_visibility: "shared",
    });
    expect(await state(server, alice.access_token, roomId, "m.room.guest_access")).toEqual({
      guest_access: "can_join",
    });
    expect(await state(server, alice.access_token, roomId, "m.room.name")).toEqual({ name: "Room" });
    expect((await state(server, alice.access_token, roomId, "m.room.topic")).topic).toBe("About");
    const pl = await state(server, alice.access_token, roomId, "m.room.power_levels");
    // v12: the creator has unlimited power and is not listed; tombstones need more than state_default.
    expect(pl.users).toEqual({});
    expect(pl.events["m.room.tombstone"]).toBe(150);
    expect(pl.events[CALL_MEMBER]).toBe(0);
  });

  test("private rooms let members send call membership; public rooms keep state_default", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const privateRoom = await createRoom(server, alice, { preset: "private_chat" });
    const publicRoom = await createRoom(server, alice, { preset: "public_chat" });
    const direct = await createRoom(server, alice, { preset: "public_chat", is_direct: true });
    expect((await state(server, alice.access_token, privateRoom, "m.room.power_levels")).events[CALL_MEMBER]).toBe(0);
    expect(
      (await state(server, alice.access_token, publicRoom, "m.room.power_levels")).events[CALL_MEMBER],
    ).toBeUndefined();
    expect((await state(server, alice.access_token, direct, "m.room.power_levels")).events[CALL_MEMBER]).toBe(0);
    expect(await state(server, alice.access_token, publicRoom, "m.room.join_rules")).toEqual({ join_rule: "public" });
  });

  test("visibility public implies the public_chat preset", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const roomId = await createRoom(server, alice, { visibility: "public" });
    expect(await state(server, alice.access_token, roomId, "m.room.join_rules")).toEqual({ join_rule: "public" });
    expect(isListedInDirectory(server, roomId)).toBe(true);
  });

  test("older versions list the creator at 100 and carry `creator` (before v11)", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const roomId = await createRoom(server, alice, { room_version: "10" });
    expect(roomId.endsWith(":test.local")).toBe(true);
    expect((await state(server, alice.access_token, roomId, "m.room.create")).creator).toBe(alice.user_id);
    expect((await state(server, alice.access_token, roomId, "m.room.power_levels")).users).toEqual({
      [alice.user_id]: 100,
    });
  });

  test("power_level_content_override applies after the preset, as Element Call sends it", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const bob = await newUser(server);
    const override = {
      events_default: 0,
      state_default: 0,
      invite: 100,
      users: { [alice.user_id]: 100 },
      events: { [CALL_MEMBER]: 0, "m.room.name": 50 },
    };
    const roomId = await createRoom(server, alice, {
      preset: "public_chat",
      visibility: "private",
      power_level_content_override: override,
    });
    const pl = await state(server, alice.access_token, roomId, "m.room.power_levels");
    expect(pl).toMatchObject({ state_default: 0, invite: 100, events: { [CALL_MEMBER]: 0, "m.room.name": 50 } });
    // The v12 creator is dropped from `users`, where the auth rules do not allow it.
    expect(pl.users).toEqual({});
    await join(server, bob, roomId);
    expect(
      (
        await setState(server, bob, roomId, CALL_MEMBER, `_${bob.user_id}_${bob.device_id}_m.call`, {
          application: "m.call",
        })
      ).status,
    ).toBe(200);
  });

  test("trusted_private_chat makes invitees creators in v12 and admins before", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const bob = await newUser(server);
    const v12 = await createRoom(server, alice, { preset: "trusted_private_chat", invite: [bob.user_id] });
    expect((await state(server, alice.access_token, v12, "m.room.create")).additional_creators).toEqual([bob.user_id]);
    const v11 = await createRoom(server, alice, {
      preset: "trusted_private_chat",
      invite: [bob.user_id],
      room_version: "11",
    });
    expect((await state(server, alice.access_token, v11, "m.room.power_levels")).users).toEqual({
      [alice.user_id]: 100,
      [bob.user_id]: 100,
    });
  });

  test("invites get is_direct and the invitee's displayname", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const bob = await newUser(server);
    const roomId = await createRoom(server, alice, { invite: [bob.user_id], is_direct: true });
    const member = await state(server, alice.access_token, roomId, "m.room.member", bob.user_id);
    expect(member).toMatchObject({
      membership: "invite",
      is_direct: true,
      displayname: bob.user_id.slice(1).split(":")[0],
    });
  });

  test("initial_state takes precedence over the preset; name overrides initial_state", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const roomId = await createRoom(server, alice, {
      preset: "private_chat",
      name: "From name",
      initial_state: [
        { type: "m.room.history_visibility", content: { history_visibility: "joined" } },
        { type: "m.room.name", content: { name: "From initial_state" } },
        { type: "m.room.encryption", content: { algorithm: "m.megolm.v1.aes-sha2" } },
      ],
    });
    expect(await state(server, alice.access_token, roomId, "m.room.history_visibility")).toEqual({
      history_visibility: "joined",
    });
    expect(await state(server, alice.access_token, roomId, "m.room.name")).toEqual({ name: "From name" });
    expect((await state(server, alice.access_token, roomId, "m.room.encryption")).algorithm).toBe(
      "m.megolm.v1.aes-sha2",
    );
  });

  test("room_alias_name makes an alias and the canonical alias; a taken one is M_ROOM_IN_USE", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const roomId = await createRoom(server, alice, { room_alias_name: "team" });
    expect(await state(server, alice.access_token, roomId, "m.room.canonical_alias")).toEqual({
      alias: "#team:test.local",
    });
    const taken = await server.post(`${V3}/createRoom`, { room_alias_name: "team" }, { token: alice.access_token });
    expect(taken.status).toBe(400);
    expect(taken.body.errcode).toBe("M_ROOM_IN_USE");
    const invalid = await server.post(`${V3}/createRoom`, { room_alias_name: "a:b" }, { token: alice.access_token });
    expect(invalid.body.errcode).toBe("M_INVALID_PARAM");
  });

  test("an unknown room version is 400 M_UNSUPPORTED_ROOM_VERSION", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const res = await server.post(`${V3}/createRoom`, { room_version: "13" }, { token: alice.access_token });
    expect(res.status).toBe(400);
    expect(res.body.errcode).toBe("M_UNSUPPORTED_ROOM_VERSION");
  });

  test("state the request's own power levels forbid is 400 M_INVALID_ROOM_STATE, and nothing is stored", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const before = eventStreamPosition(server);
    const res = await server.post(
      `${V3}/createRoom`,
      {
        room_version: "11",
        name: "x",
        power_level_content_override: { users: { [alice.user_id]: 10 }, events: { "m.room.name": 50 } },
      },
      { token: alice.access_token },
    );
    expect(res.status).toBe(400);
    expect(res.body.errcode).toBe("M_INVALID_ROOM_STATE");
    expect(eventStreamPosition(server)).toBe(before);
    expect((await server.get(`${V3}/joined_rooms`, { token: alice.access_token })).body.joined_rooms).toEqual([]);
  });

  test("inviting an unknown user is 404 and creates nothing", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const res = await server.post(
      `${V3}/createRoom`,
      { invite: ["@nobody:test.local"] },
      { token: alice.access_token },
    );
    expect(res.status).toBe(404);
    expect(eventStreamPosition(server)).toBe(0);
  });

  test("guests may not create rooms", async () => {
    const server = createTestServer();
    const guest = await createGuest(server, "g", "G");
    const res = await server.post(`${V3}/createRoom`, {}, { token: guest.access_token });
    expect(res.status).toBe(403);
    expect(res.body.errcode).toBe("M_GUEST_ACCESS_FORBIDDEN");
  });

  test("creates rooms of every supported version", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    for (let version = 1; version <= 12; version++) {
      const roomId = await createRoom(server, alice, {
        room_version: String(version),
        preset: "public_chat",
        name: `v${version}`,
      });
      expect(storedRoomVersion(server, roomId)).toBe(String(version));
      await sendMessage(server, alice, roomId);
    }
  });
});

describe("GET /rooms/{roomId}/members and /joined_members, GET /joined_rooms", () => {
  test("members now, filtered by membership, and as of an earlier token with `at`", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const bob = await newUser(server);
    const carol = await newUser(server);
    const roomId = await createRoom(server, alice, { preset: "public_chat" });
    await join(server, bob, roomId);
    const page = await server.get(roomPath(roomId, "/messages?dir=b&limit=1"), { token: alice.access_token });
    const beforeCarol = page.body.start as string;
    await invite(server, alice, roomId, carol);
    await server.post(roomPath(roomId, "/leave"), {}, { token: bob.access_token });

    const members = async (query: string) =>
      (await server.get(roomPath(roomId, `/members${query}`), { token: alice.access_token })).body.chunk
        .map((e: { state_key: string; content: { membership: string } }) => `${e.state_key}=${e.content.membership}`)
        .sort();
    expect(await members("")).toEqual(
      [`${alice.user_id}=join`, `${bob.user_id}=leave`, `${carol.user_id}=invite`].sort(),
    );
    expect(await members("?membership=join")).toEqual([`${alice.user_id}=join`]);
    expect(await members("?not_membership=leave")).toEqual([`${alice.user_id}=join`, `${carol.user_id}=invite`].sort());
    expect(await members(`?at=${encodeURIComponent(beforeCarol)}`)).toEqual(
      [`${alice.user_id}=join`, `${bob.user_id}=join`].sort(),
    );
  });

  test("joined_members lists joined users with their profile; others get 403", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const bob = await newUser(server);
    const roomId = await createRoom(server, alice);
    const res = await server.get(roomPath(roomId, "/joined_members"), { token: alice.access_token });
    expect(res.body).toEqual({ joined: { [alice.user_id]: { display_name: alice.user_id.slice(1).split(":")[0] } } });
    expect((await server.get(roomPath(roomId, "/joined_members"), { token: bob.access_token })).status).toBe(403);
  });

  test("joined_rooms lists only rooms the user is joined to", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const bob = await newUser(server);
    const a = await createRoom(server, alice, { preset: "public_chat" });
    const b = await createRoom(server, alice);
    await join(server, bob, a);
    await invite(server, alice, b, bob);
    expect((await server.get(`${V3}/joined_rooms`, { token: bob.access_token })).body).toEqual({ joined_rooms: [a] });
  });
});

describe("GET /rooms/{roomId}/context/{eventId} and /event/{eventId}", () => {
  test("returns events around the event with tokens that paginate on", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const roomId = await createRoom(server, alice, { name: "ctx" });
    const ids: string[] = [];
    for (let i = 0; i < 9; i++) ids.push(await sendMessage(server, alice, roomId, `m${i}`));
    const res = await server.get(roomPath(roomId, `/context/${encodeURIComponent(ids[4]!)}?limit=4`), {
      token: alice.access_token,
    });
    expect(res.status).toBe(200);
    expect(res.body.event.event_id).toBe(ids[4]);
    expect(res.body.events_before.map((e: { event_id: string }) => e.event_id)).toEqual([ids[3], ids[2]]);
    expect(res.body.events_after.map((e: { event_id: string }) => e.event_id)).toEqual([ids[5], ids[6]]);
    expect(res.body.state.some((e: { type: string }) => e.type === "m.room.name")).toBe(true);
    const back = await server.get(roomPath(roomId, `/messages?dir=b&limit=1&from=${res.body.start}`), {
      token: alice.access_token,
    });
    expect(back.body.chunk[0].event_id).toBe(ids[1]);
    const forward = await server.get(roomPath(roomId, `/messages?dir=f&limit=1&from=${res.body.end}`), {
      token: alice.access_token,
    });
    expect(forward.body.chunk[0].event_id).toBe(ids[7]);
  });

  test("lazy_load_members returns only the senders' members in state", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const bob = await newUser(server);
    const roomId = await createRoom(server, alice, { preset: "public_chat" });
    await join(server, bob, roomId);
    const eventId = await sendMessage(server, alice, roomId);
    const filter = encodeURIComponent(JSON.stringify({ lazy_load_members: true }));
    const res = await server.get(roomPath(roomId, `/context/${encodeURIComponent(eventId)}?limit=0&filter=${filter}`), {
      token: bob.access_token,
    });
    expect(res.body.state.map((e: { state_key: string }) => e.state_key)).toEqual([alice.user_id]);
  });

  test("an unknown or invisible event is 404 M_NOT_FOUND, also for strangers", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const bob = await newUser(server);
    const roomId = await createRoom(server, alice);
    const eventId = await sendMessage(server, alice, roomId);
    for (const [token, id] of [
      [alice.access_token, "$missing"],
      [bob.access_token, eventId],
    ] as const) {
      const res = await server.get(roomPath(roomId, `/context/${encodeURIComponent(id)}`), { token });
      expect(res.status).toBe(404);
      expect(res.body.errcode).toBe("M_NOT_FOUND");
      expect((await server.get(roomPath(roomId, `/event/${encodeURIComponent(id)}`), { token })).status).toBe(404);
    }
  });
});

describe("GET /rooms/{roomId}/timestamp_to_event", () => {
  test("finds the closest event in either direction", async () => {
    let now = 1_000_000;
    const server = createTestServer({}, { clock: { now: () => now } });
    const alice = await newUser(server);
    const roomId = await createRoom(server, alice);
    now = 2_000_000;
    const early = await sendMessage(server, alice, roomId, "early");
    now = 3_000_000;
    const late = await sendMessage(server, alice, roomId, "late");
    const find = async (ts: number, dir: string) =>
      server.get(`/_matrix/client/v1/rooms/${encodeURIComponent(roomId)}/timestamp_to_event?ts=${ts}&dir=${dir}`, {
        token: alice.access_token,
      });
    expect((await find(2_500_000, "f")).body).toEqual({ event_id: late, origin_server_ts: 3_000_000 });
    expect((await find(2_500_000, "b")).body).toEqual({ event_id: early, origin_server_ts: 2_000_000 });
    const none = await find(4_000_000, "f");
    expect(none.status).toBe(404);
    expect(none.body.errcode).toBe("M_NOT_FOUND");
  });
});

test("two identical version 12 rooms created in the same millisecond get different ids", async () => {
  const server = createTestServer({}, { clock: { now: () => 1_700_000_000_000 } });
  const alice = await newUser(server);
  const first = await createRoom(server, alice);
  const second = await createRoom(server, alice);
  expect(second).not.toBe(first);
});
