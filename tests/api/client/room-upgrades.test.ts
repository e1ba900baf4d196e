import { describe, expect, test } from "bun:test";
import { createTestServer, type TestServer } from "../../support/server.ts";
import { createRoom, join, newUser, roomPath, sendMessage, setState, V3 } from "../../support/rooms.ts";
import type { TestUser } from "../../support/fixtures.ts";

const ACL = { allow: ["*"], deny: ["evil.example"], allow_ip_literals: false };

function upgrade(server: TestServer, user: TestUser, roomId: string, body: Record<string, unknown>) {
  return server.post(roomPath(roomId, "/upgrade"), body, { token: user.access_token });
}

async function state(server: TestServer, user: TestUser, roomId: string, type: string, key = "") {
  const res = await server.get(roomPath(roomId, `/state/${type}/${encodeURIComponent(key)}`), {
    token: user.access_token,
  });
  return res.status === 200 ? res.body : undefined;
}

/** A published room with everything an upgrade carries over, an alias, a banned user and a member. */
async function furnishedRoom(server: TestServer, owner: TestUser, version: string) {
  const member = await newUser(server);
  const banned = await newUser(server);
  const roomId = await createRoom(server, owner, {
    room_version: version,
    visibility: "public",
    name: "Team",
    topic: "Plans",
    room_alias_name: "team",
    initial_state: [
      { type: "m.room.avatar", content: { url: "mxc://test.local/team" } },
      { type: "m.room.encryption", content: { algorithm: "m.megolm.v1.aes-sha2" } },
      { type: "m.room.server_acl", content: ACL },
      { type: "m.room.guest_access", content: { guest_access: "can_join" } },
      { type: "m.room.history_visibility", content: { history_visibility: "joined" } },
    ],
  });
  await server.put(
    `${V3}/directory/room/${encodeURIComponent("#team-alt:test.local")}`,
    { room_id: roomId },
    { token: owner.access_token },
  );
  await setState(server, owner, roomId, "m.room.canonical_alias", "", {
    alias: "#team:test.local",
    alt_aliases: ["#team-alt:test.local", "#far:other.example"],
  });
  await join(server, member, roomId);
  await server.post(
    roomPath(roomId, "/ban"),
    { user_id: banned.user_id, reason: "spam" },
    { token: owner.access_token },
  );
  return { roomId, member, banned };
}

describe("POST /rooms/{roomId}/upgrade", () => {
  test("10 → 12: state, bans, aliases and listing move; the old room is tombstoned and closed", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const { roomId, member, banned } = await furnishedRoom(server, alice, "10");
    const res = await upgrade(server, alice, roomId, { new_version: "12" });
    expect(res.status).toBe(200);
    const newRoom = res.body.replacement_room as string;
    expect(newRoom).toMatch(/^![A-Za-z0-9_-]{43}$/);

    // v12: the predecessor may omit event_id, as the new room id must exist before the tombstone.
    expect(await state(server, alice, newRoom, "m.room.create")).toEqual({
      room_version: "12",
      predecessor: { room_id: roomId },
    });
    expect(await state(server, alice, newRoom, "m.room.name")).toEqual({ name: "Team" });
    expect((await state(server, alice, newRoom, "m.room.topic")).topic).toBe("Plans");
    expect(await state(server, alice, newRoom, "m.room.avatar")).toEqual({ url: "mxc://test.local/team" });
    expect(await state(server, alice, newRoom, "m.room.encryption")).toEqual({ algorithm: "m.megolm.v1.aes-sha2" });
    expect(await state(server, alice, newRoom, "m.room.server_acl")).toEqual(ACL);
    expect(await state(server, alice, newRoom, "m.room.join_rules")).toEqual({ join_rule: "public" });
    expect(await state(server, alice, newRoom, "m.room.guest_access")).toEqual({ guest_access: "can_join" });
    expect(await state(server, alice, newRoom, "m.room.history_visibility")).toEqual({ history_visibility: "joined" });
    expect(await state(server, alice, newRoom, "m.room.member", banned.user_id)).toMatchObject({
      membership: "ban",
      reason: "spam",
    });
    // The upgrader is a v12 creator: not listed in `users`.
    const oldLevels = await state(server, alice, roomId, "m.room.power_levels");
    const newLevels = await state(server, alice, newRoom, "m.room.power_levels");
    expect(newLevels.users).toEqual({});
    expect(newLevels.events).toEqual(oldLevels.events);

    expect(await state(server, alice, roomId, "m.room.tombstone")).toEqual({
      body: "This room has been replaced",
      replacement_room: newRoom,
    });
    expect(oldLevels).toMatchObject({ events_default: 50, invite: 50 });
    const silenced = await server.put(
      roomPath(roomId, "/send/m.room.message/after"),
      { msgtype: "m.text", body: "hi" },
      { token: member.access_token },
    );
    expect(silenced.status).toBe(403);

    for (const alias of ["#team:test.local", "#team-alt:test.local"]) {
      expect((await server.get(`${V3}/directory/room/${encodeURIComponent(alias)}`)).body.room_id).toBe(newRoom);
    }
    expect(await state(server, alice, newRoom, "m.room.canonical_alias")).toEqual({
      alias: "#team:test.local",
      alt_aliases: ["#team-alt:test.local"],
    });
    expect(await state(server, alice, roomId, "m.room.canonical_alias")).toEqual({
      alt_aliases: ["#far:other.example"],
    });
    expect((await server.get(`${V3}/directory/list/room/${encodeURIComponent(roomId)}`)).body.visibility).toBe(
      "private",
    );
    expect((await server.get(`${V3}/directory/list/room/${encodeURIComponent(newRoom)}`)).body.visibility).toBe(
      "public",
    );
    expect((await server.get(`${V3}/joined_rooms`, { token: alice.access_token })).body.joined_rooms).toContain(
      newRoom,
    );
    await join(server, member, newRoom);
  });

  test("6 → 11 by a moderator: levels become integers, the upgrader's raise is undone, the predecessor names the tombstone", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const mod = await newUser(server);
    const roomId = await createRoom(server, alice, {
      room_version: "6",
      preset: "public_chat",
      initial_state: [{ type: "m.room.encryption", content: { algorithm: "m.megolm.v1.aes-sha2" } }],
    });
    await join(server, mod, roomId);
    const levels = await state(server, alice, roomId, "m.room.power_levels");
    // Version 6 still accepts levels written as strings; version 11 does not.
    const stringy = {
      ...levels,
      ban: "50",
      users: { ...levels.users, [mod.user_id]: "50" },
      events: { ...levels.events, "m.room.tombstone": "50" },
    };
    expect((await setState(server, alice, roomId, "m.room.power_levels", "", stringy)).status).toBe(200);

    const res = await upgrade(server, mod, roomId, { new_version: "11" });
    expect(res.status).toBe(200);
    const newRoom = res.body.replacement_room as string;
    expect(newRoom.endsWith(":test.local")).toBe(true);
    const tombstone = await server.get(roomPath(roomId, "/state/m.room.tombstone/?format=event"), {
      token: alice.access_token,
    });
    expect(tombstone.body.content.replacement_room).toBe(newRoom);
    const create = await state(server, mod, newRoom, "m.room.create");
    expect(create).toEqual({ room_version: "11", predecessor: { room_id: roomId, event_id: tombstone.body.event_id } });

    // The moderator needed 100 to copy m.room.encryption: raised for the copy, then put back.
    expect(await state(server, mod, newRoom, "m.room.encryption")).toEqual({ algorithm: "m.megolm.v1.aes-sha2" });
    const newLevels = await state(server, mod, newRoom, "m.room.power_levels");
    expect(newLevels.users).toEqual({ [alice.user_id]: 100, [mod.user_id]: 50 });
    expect(newLevels.ban).toBe(50);
    expect(newLevels.events["m.room.tombstone"]).toBe(50);
    const history = await server.get(roomPath(newRoom, "/messages?dir=f&limit=50"), { token: mod.access_token });
    const levelEvents = history.body.chunk.filter((event: { type: string }) => event.type === "m.room.power_levels");
    expect(
      levelEvents.map((event: { content: { users: Record<string, number> } }) => event.content.users[mod.user_id]),
    ).toEqual([100, 50]);
  });

  test("12 → 12 with additional_creators, who leave the users map; an invalid one is 400 M_INVALID_PARAM", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const bob = await newUser(server);
    const roomId = await createRoom(server, alice, {
      preset: "public_chat",
      power_level_content_override: { users: { [bob.user_id]: 50 } },
    });
    await join(server, bob, roomId);
    const res = await upgrade(server, alice, roomId, { new_version: "12", additional_creators: [bob.user_id] });
    expect(res.status).toBe(200);
    const newRoom = res.body.replacement_room as string;
    expect((await state(server, alice, newRoom, "m.room.create")).additional_creators).toEqual([bob.user_id]);
    expect((await state(server, alice, newRoom, "m.room.power_levels")).users).toEqual({});
    const invalid = await upgrade(server, alice, newRoom, { new_version: "12", additional_creators: ["@no-server"] });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errcode).toBe("M_INVALID_PARAM");
  });

  test("12 → 11: the old creator keeps the top level the levels name", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const roomId = await createRoom(server, alice, { preset: "private_chat" });
    const newRoom = (await upgrade(server, alice, roomId, { new_version: "11" })).body.replacement_room as string;
    // v12's default tombstone level is 150, above the old creator level of 100.
    expect((await state(server, alice, newRoom, "m.room.power_levels")).users).toEqual({ [alice.user_id]: 150 });
    await sendMessage(server, alice, newRoom);
    expect((await upgrade(server, alice, newRoom, { new_version: "12" })).status).toBe(200);
  });

  test("a space keeps its type and its children", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const child = await createRoom(server, alice);
    const removed = await createRoom(server, alice);
    const space = await createRoom(server, alice, { room_version: "10", creation_content: { type: "m.space" } });
    await setState(server, alice, space, "m.space.child", child, { via: ["test.local"] });
    await setState(server, alice, space, "m.space.child", removed, {});
    const newSpace = (await upgrade(server, alice, space, { new_version: "12" })).body.replacement_room as string;
    expect((await state(server, alice, newSpace, "m.room.create")).type).toBe("m.space");
    expect(await state(server, alice, newSpace, "m.space.child", child)).toEqual({ via: ["test.local"] });
    expect(await state(server, alice, newSpace, "m.space.child", removed)).toBeUndefined();
  });

  test("needs the power to send m.room.tombstone (403), a known version (400) and room (404)", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const bob = await newUser(server);
    const carol = await newUser(server);
    const roomId = await createRoom(server, alice, { preset: "public_chat" });
    await join(server, bob, roomId);
    for (const user of [bob, carol]) {
      const refused = await upgrade(server, user, roomId, { new_version: "12" });
      expect(refused.status).toBe(403);
      expect(refused.body.errcode).toBe("M_FORBIDDEN");
    }
    const unsupported = await upgrade(server, alice, roomId, { new_version: "9001" });
    expect(unsupported.status).toBe(400);
    expect(unsupported.body.errcode).toBe("M_UNSUPPORTED_ROOM_VERSION");
    const unknown = await upgrade(server, alice, "!nowhere:test.local", { new_version: "12" });
    expect(unknown.status).toBe(404);
    expect(unknown.body.errcode).toBe("M_NOT_FOUND");
    expect((await upgrade(server, alice, roomId, {})).body.errcode).toBe("M_MISSING_PARAM");
    // Nothing was written by the refused attempts.
    expect(await state(server, alice, roomId, "m.room.tombstone")).toBeUndefined();
  });
});
