import { describe, expect, test } from "bun:test";
import { createTestServer, type TestServer } from "../../support/server.ts";
import { createRoom, invite, join, newUser, setState, V3 } from "../../support/rooms.ts";
import type { TestUser } from "../../support/fixtures.ts";

const STABLE = "/_matrix/client/v1/room_summary";
const UNSTABLE = "/_matrix/client/unstable/im.nheko.summary";

function summary(server: TestServer, roomIdOrAlias: string, user?: TestUser) {
  return server.get(
    `${STABLE}/${encodeURIComponent(roomIdOrAlias)}?via=test.local`,
    user ? { token: user.access_token } : {},
  );
}

function expectHidden(res: { status: number; body: { errcode?: string } }) {
  expect(res.status).toBe(404);
  expect(res.body.errcode).toBe("M_NOT_FOUND");
}

async function setup() {
  const server = createTestServer();
  const alice = await newUser(server);
  const bob = await newUser(server);
  return { server, alice, bob };
}

describe("GET /_matrix/client/v1/room_summary/{roomIdOrAlias}", () => {
  test("summarises a public room by id or alias, with the requester's membership", async () => {
    const { server, alice, bob } = await setup();
    const roomId = await createRoom(server, alice, {
      preset: "public_chat",
      name: "Lobby",
      topic: "Say hi",
      room_alias_name: "lobby",
      room_version: "11",
      initial_state: [{ type: "m.room.encryption", content: { algorithm: "m.megolm.v1.aes-sha2" } }],
    });
    const byAlias = await summary(server, "#lobby:test.local", bob);
    expect(byAlias.status).toBe(200);
    expect(byAlias.body).toEqual({
      room_id: roomId,
      name: "Lobby",
      topic: "Say hi",
      canonical_alias: "#lobby:test.local",
      num_joined_members: 1,
      join_rule: "public",
      guest_can_join: false,
      world_readable: false,
      room_version: "11",
      encryption: "m.megolm.v1.aes-sha2",
      membership: "leave",
    });
    expect((await summary(server, roomId, alice)).body.membership).toBe("join");
  });

  test("answers unauthenticated requests for public, knock and world_readable rooms only, without membership", async () => {
    const { server, alice } = await setup();
    const open = await createRoom(server, alice, { preset: "public_chat" });
    const knock = await createRoom(server, alice, {
      initial_state: [{ type: "m.room.join_rules", content: { join_rule: "knock" } }],
    });
    const readable = await createRoom(server, alice, {
      initial_state: [{ type: "m.room.history_visibility", content: { history_visibility: "world_readable" } }],
    });
    const closed = await createRoom(server, alice);
    for (const roomId of [open, knock, readable]) {
      const res = await summary(server, roomId);
      expect(res.status, roomId).toBe(200);
      expect(res.body.membership).toBeUndefined();
    }
    expect((await summary(server, knock)).body.join_rule).toBe("knock");
    expect((await summary(server, readable)).body.world_readable).toBe(true);
    expectHidden(await summary(server, closed));
  });

  test("an invite-only room is summarised for members and invitees, and 404 for everyone else", async () => {
    const { server, alice, bob } = await setup();
    const carol = await newUser(server);
    const roomId = await createRoom(server, alice, { name: "Secret" });
    expectHidden(await summary(server, roomId, bob));
    await invite(server, alice, roomId, bob);
    const invited = await summary(server, roomId, bob);
    expect(invited.status).toBe(200);
    expect(invited.body).toMatchObject({
      name: "Secret",
      join_rule: "invite",
      membership: "invite",
      guest_can_join: true,
      room_version: "12",
    });
    expectHidden(await summary(server, roomId, carol));
  });

  test("a restricted room is summarised for members of an allowed room, with allowed_room_ids", async () => {
    const { server, alice, bob } = await setup();
    const carol = await newUser(server);
    const space = await createRoom(server, alice, { preset: "public_chat", creation_content: { type: "m.space" } });
    const roomId = await createRoom(server, alice, {
      initial_state: [
        {
          type: "m.room.join_rules",
          content: { join_rule: "restricted", allow: [{ type: "m.room_membership", room_id: space }] },
        },
      ],
    });
    expectHidden(await summary(server, roomId, bob));
    await join(server, bob, space);
    const res = await summary(server, roomId, bob);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ join_rule: "restricted", allowed_room_ids: [space], membership: "leave" });
    expectHidden(await summary(server, roomId, carol));
    expectHidden(await summary(server, roomId));
    expect((await summary(server, space)).body.room_type).toBe("m.space");
  });

  test("rooms one has left or been banned from are hidden unless open to all", async () => {
    const { server, alice, bob } = await setup();
    const roomId = await createRoom(server, alice, { preset: "public_chat" });
    await join(server, bob, roomId);
    await server.post(
      `${V3}/rooms/${encodeURIComponent(roomId)}/ban`,
      { user_id: bob.user_id },
      { token: alice.access_token },
    );
    expect((await summary(server, roomId, bob)).body.membership).toBe("ban");
    await setState(server, alice, roomId, "m.room.join_rules", "", { join_rule: "invite" });
    expectHidden(await summary(server, roomId, bob));
  });

  test("unknown rooms and aliases are 404; a malformed id is 400", async () => {
    const { server, alice } = await setup();
    expectHidden(await summary(server, "!unknown:test.local", alice));
    expectHidden(await summary(server, "#unknown:test.local", alice));
    expectHidden(await summary(server, "#remote:other.example"));
    expect((await summary(server, "lobby", alice)).status).toBe(400);
  });
});

describe("the unstable im.nheko.summary paths", () => {
  test("both paths answer with the prefixed version and encryption fields too", async () => {
    const { server, alice, bob } = await setup();
    const roomId = await createRoom(server, alice, {
      preset: "public_chat",
      room_alias_name: "call",
      initial_state: [{ type: "m.room.encryption", content: { algorithm: "m.megolm.v1.aes-sha2" } }],
    });
    for (const path of [`${UNSTABLE}/summary/%23call%3Atest.local`, `${UNSTABLE}/rooms/%23call%3Atest.local/summary`]) {
      const res = await server.get(path, { token: bob.access_token });
      expect(res.status, path).toBe(200);
      expect(res.body).toMatchObject({
        room_id: roomId,
        membership: "leave",
        room_version: "12",
        encryption: "m.megolm.v1.aes-sha2",
        "im.nheko.summary.room_version": "12",
        "im.nheko.summary.encryption": "m.megolm.v1.aes-sha2",
      });
    }
    expectHidden(await server.get(`${UNSTABLE}/summary/${encodeURIComponent(await createRoom(server, alice))}`));
  });

  test("/versions advertises im.nheko.summary", async () => {
    const server = createTestServer();
    expect((await server.get("/_matrix/client/versions")).body.unstable_features["im.nheko.summary"]).toBe(true);
  });
});
