import { describe, expect, test } from "bun:test";
import { until } from "../../support/wait.ts";
import { createGuest, deactivateUser, type TestUser } from "../../support/fixtures.ts";
import { createTestServer, type TestServer } from "../../support/server.ts";
import { createRoom, invite, join, messages, roomPath, setState, V3, newUser } from "../../support/rooms.ts";
import { eventStreamPosition } from "../../support/stored.ts";

async function setup(body: Record<string, unknown> = {}) {
  const server = createTestServer();
  const alice = await newUser(server);
  const bob = await newUser(server);
  const roomId = await createRoom(server, alice, body);
  return { server, alice, bob, roomId };
}

const membershipOf = async (server: TestServer, reader: TestUser, roomId: string, userId: string) =>
  (
    await server.get(roomPath(roomId, `/state/m.room.member/${encodeURIComponent(userId)}`), {
      token: reader.access_token,
    })
  ).body;

describe("POST /join/{roomIdOrAlias} and /rooms/{roomId}/join", () => {
  test("joins a public room by id, with the user's displayname and the reason", async () => {
    const { server, alice, bob, roomId } = await setup({ preset: "public_chat" });
    const res = await server.post(roomPath(roomId, "/join"), { reason: "hi" }, { token: bob.access_token });
    expect(res.status).toBe(200);
    expect(res.body.room_id).toBe(roomId);
    expect(await membershipOf(server, alice, roomId, bob.user_id)).toEqual({
      membership: "join",
      displayname: bob.user_id.slice(1).split(":")[0],
      reason: "hi",
    });
  });

  test("joins by alias", async () => {
    const { server, bob, roomId } = await setup({ preset: "public_chat", room_alias_name: "lobby" });
    const res = await server.post(
      `${V3}/join/${encodeURIComponent("#lobby:test.local")}`,
      {},
      { token: bob.access_token },
    );
    expect(res.body.room_id).toBe(roomId);
  });

  test("accepts via and server_name (one or several) and ignores them", async () => {
    const { server, bob, roomId } = await setup({ preset: "public_chat" });
    const path = `${V3}/join/${encodeURIComponent(roomId)}?via=a.example&via=b.example&server_name=c.example`;
    expect((await server.post(path, {}, { token: bob.access_token })).status).toBe(200);
  });

  test("a request without a body is taken as {}", async () => {
    const { server, bob, roomId } = await setup({ preset: "public_chat" });
    expect((await server.request("POST", roomPath(roomId, "/join"), { token: bob.access_token })).status).toBe(200);
    expect((await server.request("POST", roomPath(roomId, "/leave"), { token: bob.access_token })).status).toBe(200);
  });

  test("joining again changes nothing", async () => {
    const { server, alice, bob, roomId } = await setup({ preset: "public_chat" });
    await join(server, bob, roomId);
    const before = eventStreamPosition(server);
    await join(server, bob, roomId);
    expect(eventStreamPosition(server)).toBe(before);
    expect((await membershipOf(server, alice, roomId, bob.user_id)).membership).toBe("join");
  });

  test("answers 404 M_NOT_FOUND for unknown aliases and rooms", async () => {
    const { server, bob } = await setup();
    expect(
      (await server.post(`${V3}/join/${encodeURIComponent("#nowhere:test.local")}`, {}, { token: bob.access_token }))
        .body.errcode,
    ).toBe("M_NOT_FOUND");
    const unknown = await server.post(
      `${V3}/join/${encodeURIComponent("!nowhere:test.local")}`,
      {},
      { token: bob.access_token },
    );
    expect(unknown.status).toBe(404);
  });

  test("refuses to join an invite-only room uninvited, naming the rule", async () => {
    const { server, bob, roomId } = await setup({ preset: "private_chat" });
    const res = await server.post(roomPath(roomId, "/join"), {}, { token: bob.access_token });
    expect(res.status).toBe(403);
    expect(res.body.errcode).toBe("M_FORBIDDEN");
    expect(res.body.error).toContain("join_rule is invite");
  });

  test("guests may join only rooms with guest_access can_join", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const { user_id: guestId, access_token: guest } = await createGuest(server, "guest1", "GDEV");
    const publicRoom = await createRoom(server, alice, { preset: "public_chat" });
    expect((await server.post(roomPath(publicRoom, "/join"), {}, { token: guest })).status).toBe(403);
    const open = await createRoom(server, alice, {
      preset: "public_chat",
      initial_state: [{ type: "m.room.guest_access", content: { guest_access: "can_join" } }],
    });
    expect((await server.post(roomPath(open, "/join"), {}, { token: guest })).status).toBe(200);
  });
});

describe("restricted rooms (v8+)", () => {
  test("members of an allowed room may join, vouched for by a member who may invite", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const bob = await newUser(server);
    const carol = await newUser(server);
    const space = await createRoom(server, alice, { preset: "public_chat", room_version: "10" });
    await join(server, bob, space);
    const restricted = await createRoom(server, alice, {
      room_version: "10",
      initial_state: [
        {
          type: "m.room.join_rules",
          content: { join_rule: "restricted", allow: [{ type: "m.room_membership", room_id: space }] },
        },
      ],
    });
    expect((await server.post(roomPath(restricted, "/join"), {}, { token: bob.access_token })).status).toBe(200);
    expect((await membershipOf(server, alice, restricted, bob.user_id)).join_authorised_via_users_server).toBe(
      alice.user_id,
    );
    const refused = await server.post(roomPath(restricted, "/join"), {}, { token: carol.access_token });
    expect(refused.status).toBe(403);
  });
});

describe("POST /rooms/{roomId}/invite", () => {
  test("invites a user, who can then join an invite-only room", async () => {
    const { server, alice, bob, roomId } = await setup({ preset: "private_chat" });
    const res = await server.post(
      roomPath(roomId, "/invite"),
      { user_id: bob.user_id, reason: "come" },
      { token: alice.access_token },
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({});
    expect(await membershipOf(server, alice, roomId, bob.user_id)).toMatchObject({
      membership: "invite",
      reason: "come",
    });
    await join(server, bob, roomId);
  });

  test("inviting someone already invited succeeds without a new event", async () => {
    const { server, alice, bob, roomId } = await setup();
    await invite(server, alice, roomId, bob);
    const before = eventStreamPosition(server);
    await invite(server, alice, roomId, bob);
    expect(eventStreamPosition(server)).toBe(before);
  });

  test("answers 404 for unknown local users and 400 for malformed ids", async () => {
    const { server, alice, roomId } = await setup();
    expect(
      (await server.post(roomPath(roomId, "/invite"), { user_id: "@ghost:test.local" }, { token: alice.access_token }))
        .status,
    ).toBe(404);
    const bad = await server.post(roomPath(roomId, "/invite"), { user_id: "nope" }, { token: alice.access_token });
    expect(bad.status).toBe(400);
  });

  test("refuses inviters who are not in the room", async () => {
    const { server, bob, roomId } = await setup();
    const carol = await newUser(server);
    const res = await server.post(roomPath(roomId, "/invite"), { user_id: carol.user_id }, { token: bob.access_token });
    expect(res.status).toBe(403);
    expect(res.body.errcode).toBe("M_FORBIDDEN");
  });

  test("refuses to invite a joined member", async () => {
    const { server, alice, bob, roomId } = await setup({ preset: "public_chat" });
    await join(server, bob, roomId);
    const res = await server.post(roomPath(roomId, "/invite"), { user_id: bob.user_id }, { token: alice.access_token });
    expect(res.status).toBe(403);
  });
});

describe("POST /rooms/{roomId}/leave and /forget", () => {
  test("leaving sets membership leave; leaving again is a no-op", async () => {
    const { server, alice, bob, roomId } = await setup({ preset: "public_chat" });
    await join(server, bob, roomId);
    expect((await server.post(roomPath(roomId, "/leave"), { reason: "bye" }, { token: bob.access_token })).status).toBe(
      200,
    );
    expect(await membershipOf(server, alice, roomId, bob.user_id)).toEqual({ membership: "leave", reason: "bye" });
    const before = eventStreamPosition(server);
    expect((await server.post(roomPath(roomId, "/leave"), {}, { token: bob.access_token })).status).toBe(200);
    expect(eventStreamPosition(server)).toBe(before);
  });

  test("leaving rejects an invite", async () => {
    const { server, alice, bob, roomId } = await setup();
    await invite(server, alice, roomId, bob);
    await server.post(roomPath(roomId, "/leave"), {}, { token: bob.access_token });
    expect((await membershipOf(server, alice, roomId, bob.user_id)).membership).toBe("leave");
  });

  test("forgetting needs leaving first, then hides the history", async () => {
    const { server, bob, roomId } = await setup({ preset: "public_chat" });
    await join(server, bob, roomId);
    const early = await server.post(roomPath(roomId, "/forget"), {}, { token: bob.access_token });
    expect(early.status).toBe(400);
    expect(early.body.errcode).toBe("M_UNKNOWN");
    await server.post(roomPath(roomId, "/leave"), {}, { token: bob.access_token });
    expect((await messages(server, bob, roomId, { dir: "b" })).status).toBe(200);
    expect((await server.post(roomPath(roomId, "/forget"), {}, { token: bob.access_token })).status).toBe(200);
    expect((await messages(server, bob, roomId, { dir: "b" })).status).toBe(403);
  });
});

describe("kick, ban, unban", () => {
  test("a moderator kicks a member, who may rejoin a public room", async () => {
    const { server, alice, bob, roomId } = await setup({ preset: "public_chat" });
    await join(server, bob, roomId);
    const res = await server.post(
      roomPath(roomId, "/kick"),
      { user_id: bob.user_id, reason: "spam" },
      { token: alice.access_token },
    );
    expect(res.status).toBe(200);
    const member = await server.get(
      roomPath(roomId, `/state/m.room.member/${encodeURIComponent(bob.user_id)}?format=event`),
      { token: alice.access_token },
    );
    expect(member.body).toMatchObject({ sender: alice.user_id, content: { membership: "leave", reason: "spam" } });
    await join(server, bob, roomId);
  });

  test("kicking needs the kick level, and a target in the room", async () => {
    const { server, alice, bob, roomId } = await setup({ preset: "public_chat" });
    await join(server, bob, roomId);
    const res = await server.post(roomPath(roomId, "/kick"), { user_id: alice.user_id }, { token: bob.access_token });
    expect(res.status).toBe(403);
    expect(res.body.error).toContain("rule");
    const carol = await newUser(server);
    expect(
      (await server.post(roomPath(roomId, "/kick"), { user_id: carol.user_id }, { token: alice.access_token })).status,
    ).toBe(403);
  });

  test("a banned user cannot rejoin until unbanned", async () => {
    const { server, alice, bob, roomId } = await setup({ preset: "public_chat" });
    await join(server, bob, roomId);
    expect(
      (
        await server.post(
          roomPath(roomId, "/ban"),
          { user_id: bob.user_id, reason: "no" },
          { token: alice.access_token },
        )
      ).status,
    ).toBe(200);
    const refused = await server.post(roomPath(roomId, "/join"), {}, { token: bob.access_token });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toContain("banned");
    expect(
      (await server.post(roomPath(roomId, "/unban"), { user_id: bob.user_id }, { token: alice.access_token })).status,
    ).toBe(200);
    expect((await membershipOf(server, alice, roomId, bob.user_id)).membership).toBe("leave");
    await join(server, bob, roomId);
  });

  test("unbanning someone who is not banned is refused", async () => {
    const { server, alice, bob, roomId } = await setup();
    expect(
      (await server.post(roomPath(roomId, "/unban"), { user_id: bob.user_id }, { token: alice.access_token })).status,
    ).toBe(403);
  });

  test("users of other servers may be banned before they ever join", async () => {
    const { server, alice, roomId } = await setup();
    const res = await server.post(
      roomPath(roomId, "/ban"),
      { user_id: "@troll:elsewhere.example" },
      { token: alice.access_token },
    );
    expect(res.status).toBe(200);
  });
});

describe("POST /knock/{roomIdOrAlias}", () => {
  test("knocks on a knock room, and is then invited", async () => {
    const { server, alice, bob, roomId } = await setup({
      room_version: "7",
      initial_state: [{ type: "m.room.join_rules", content: { join_rule: "knock" } }],
    });
    const res = await server.post(
      `${V3}/knock/${encodeURIComponent(roomId)}`,
      { reason: "let me in" },
      { token: bob.access_token },
    );
    expect(res.status).toBe(200);
    expect(res.body.room_id).toBe(roomId);
    expect(await membershipOf(server, alice, roomId, bob.user_id)).toMatchObject({
      membership: "knock",
      reason: "let me in",
    });
    await invite(server, alice, roomId, bob);
    await join(server, bob, roomId);
  });

  test("refuses to knock on a public room, and 404s unknown rooms", async () => {
    const { server, bob, roomId } = await setup({ preset: "public_chat" });
    expect(
      (await server.post(`${V3}/knock/${encodeURIComponent(roomId)}`, {}, { token: bob.access_token })).status,
    ).toBe(403);
    expect(
      (await server.post(`${V3}/knock/${encodeURIComponent("#gone:test.local")}`, {}, { token: bob.access_token }))
        .status,
    ).toBe(404);
  });
});

describe("leaveAllRooms (deactivation)", () => {
  test("leaves every joined, invited and knocked room", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const bob = await newUser(server);
    const joined = await createRoom(server, alice, { preset: "public_chat" });
    const invited = await createRoom(server, alice);
    await join(server, bob, joined);
    await invite(server, alice, invited, bob);
    expect((await server.services.rooms.leaveAllRooms(bob.user_id)).sort()).toEqual([joined, invited].sort());
    for (const roomId of [joined, invited])
      expect((await membershipOf(server, alice, roomId, bob.user_id)).membership).toBe("leave");
    expect((await server.get(`${V3}/joined_rooms`, { token: bob.access_token })).body.joined_rooms).toEqual([]);
  });
});

test("membership changes through PUT /state/m.room.member follow the same rules", async () => {
  const { server, alice, bob, roomId } = await setup();
  const res = await setState(server, bob, roomId, "m.room.member", bob.user_id, { membership: "join" });
  expect(res.status).toBe(403);
  const invited = await setState(server, alice, roomId, "m.room.member", bob.user_id, { membership: "invite" });
  expect(invited.status).toBe(200);
});

describe("profile changes", () => {
  test("a new displayname or avatar goes out as a join event in every joined room", async () => {
    const { server, alice, bob, roomId } = await setup({ preset: "public_chat" });
    await join(server, bob, roomId);
    const other = await createRoom(server, bob);
    const put = await server.put(
      `${V3}/profile/${encodeURIComponent(bob.user_id)}/displayname`,
      { displayname: "Bobby" },
      { token: bob.access_token },
    );
    expect(put.status).toBe(200);
    await server.put(
      `${V3}/profile/${encodeURIComponent(bob.user_id)}/avatar_url`,
      { avatar_url: "mxc://test.local/abc" },
      { token: bob.access_token },
    );
    expect(await membershipOf(server, alice, roomId, bob.user_id)).toEqual({
      membership: "join",
      displayname: "Bobby",
      avatar_url: "mxc://test.local/abc",
    });
    expect(await membershipOf(server, bob, other, bob.user_id)).toMatchObject({ displayname: "Bobby" });
    const joined = await server.get(roomPath(roomId, "/joined_members"), { token: alice.access_token });
    expect(joined.body.joined[bob.user_id]).toEqual({ display_name: "Bobby", avatar_url: "mxc://test.local/abc" });
  });
});

describe("deactivation", () => {
  test("a deactivated account leaves its rooms", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const bob = await newUser(server);
    const roomId = await createRoom(server, alice, { preset: "public_chat" });
    await join(server, bob, roomId);
    deactivateUser(server, bob);
    await until(
      "bob's leave",
      async () => (await membershipOf(server, alice, roomId, bob.user_id)).membership === "leave",
    );
    expect((await membershipOf(server, alice, roomId, bob.user_id)).membership).toBe("leave");
  });
});
