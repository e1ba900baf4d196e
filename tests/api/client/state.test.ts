import { describe, expect, test } from "bun:test";
import { createTestServer } from "../../support/server.ts";
import { createRoom, join, roomPath, setState, newUser } from "../../support/rooms.ts";

async function setup(body: Record<string, unknown> = {}) {
  const server = createTestServer();
  const alice = await newUser(server);
  const bob = await newUser(server);
  const roomId = await createRoom(server, alice, body);
  return { server, alice, bob, roomId };
}

describe("PUT and GET /rooms/{roomId}/state/{eventType}/{stateKey}", () => {
  test("the empty state key works with and without the trailing slash", async () => {
    const { server, alice, roomId } = await setup();
    const put = await server.put(
      roomPath(roomId, "/state/m.room.name"),
      { name: "One" },
      { token: alice.access_token },
    );
    expect(put.status).toBe(200);
    expect((await server.get(roomPath(roomId, "/state/m.room.name/"), { token: alice.access_token })).body).toEqual({
      name: "One",
    });
    await server.put(roomPath(roomId, "/state/m.room.name/"), { name: "Two" }, { token: alice.access_token });
    expect((await server.get(roomPath(roomId, "/state/m.room.name"), { token: alice.access_token })).body).toEqual({
      name: "Two",
    });
  });

  test("state keys may be user ids and contain slashes", async () => {
    const { server, alice, roomId } = await setup();
    expect((await setState(server, alice, roomId, "com.example.pref", alice.user_id, { a: 1 })).status).toBe(200);
    expect(
      (
        await server.get(roomPath(roomId, `/state/com.example.pref/${encodeURIComponent(alice.user_id)}`), {
          token: alice.access_token,
        })
      ).body,
    ).toEqual({ a: 1 });
    expect(
      (await server.put(roomPath(roomId, "/state/com.example.path/a/b"), { b: 2 }, { token: alice.access_token }))
        .status,
    ).toBe(200);
    expect(
      (await server.get(roomPath(roomId, "/state/com.example.path/a%2Fb"), { token: alice.access_token })).body,
    ).toEqual({ b: 2 });
  });

  test("format=event returns the whole event with prev_content", async () => {
    const { server, alice, roomId } = await setup({ name: "Old" });
    await setState(server, alice, roomId, "m.room.name", "", { name: "New" });
    const res = await server.get(roomPath(roomId, "/state/m.room.name/?format=event"), { token: alice.access_token });
    expect(res.body).toMatchObject({
      type: "m.room.name",
      state_key: "",
      content: { name: "New" },
      unsigned: { prev_content: { name: "Old" } },
    });
    expect(res.body.unsigned.replaces_state).toMatch(/^\$/);
  });

  test("answers 404 M_NOT_FOUND for state that is not set", async () => {
    const { server, alice, roomId } = await setup();
    const res = await server.get(roomPath(roomId, "/state/m.room.topic/"), { token: alice.access_token });
    expect(res.status).toBe(404);
    expect(res.body.errcode).toBe("M_NOT_FOUND");
  });

  test("setting the same content again returns the existing event", async () => {
    const { server, alice, roomId } = await setup();
    const first = await setState(server, alice, roomId, "m.room.topic", "", { topic: "same" });
    const again = await setState(server, alice, roomId, "m.room.topic", "", { topic: "same" });
    expect(again.body.event_id).toBe(first.body.event_id);
  });

  test("members below state_default get 403 naming the auth rule", async () => {
    const { server, alice, bob, roomId } = await setup({ preset: "public_chat" });
    await join(server, bob, roomId);
    const res = await setState(server, bob, roomId, "m.room.name", "", { name: "mine" });
    expect(res.status).toBe(403);
    expect(res.body.errcode).toBe("M_FORBIDDEN");
    expect(res.body.error).toMatch(/power level.*\(rule \d+\)/);
  });

  test("a state key of another user (starting with @) is refused", async () => {
    const { server, alice, bob, roomId } = await setup();
    const res = await setState(server, alice, roomId, "com.example.owned", bob.user_id, {});
    expect(res.status).toBe(403);
  });

  test("any member may send Element Call membership with a per-device key in a private room", async () => {
    const { server, alice, bob, roomId } = await setup({ preset: "private_chat", invite: [] });
    await server.post(roomPath(roomId, "/invite"), { user_id: bob.user_id }, { token: alice.access_token });
    await join(server, bob, roomId);
    const key = `_${bob.user_id}_${bob.device_id}_m.call`;
    const res = await setState(server, bob, roomId, "org.matrix.msc3401.call.member", key, {
      application: "m.call",
      call_id: "",
      device_id: bob.device_id,
    });
    expect(res.status).toBe(200);
    const leave = await setState(server, bob, roomId, "org.matrix.msc3401.call.member", key, {});
    expect(leave.status).toBe(200);
  });

  test("m.room.canonical_alias must name aliases of this room", async () => {
    const { server, alice, roomId } = await setup({ room_alias_name: "home" });
    const other = await createRoom(server, alice, { room_alias_name: "elsewhere" });
    expect(other).not.toBe(roomId);
    const good = await setState(server, alice, roomId, "m.room.canonical_alias", "", {
      alias: "#home:test.local",
      alt_aliases: ["#remote:other.example"],
    });
    expect(good.status).toBe(200);
    const wrongRoom = await setState(server, alice, roomId, "m.room.canonical_alias", "", {
      alias: "#elsewhere:test.local",
    });
    expect(wrongRoom.status).toBe(400);
    expect(wrongRoom.body.errcode).toBe("M_BAD_ALIAS");
    const invalid = await setState(server, alice, roomId, "m.room.canonical_alias", "", { alias: "not-an-alias" });
    expect(invalid.body.errcode).toBe("M_INVALID_PARAM");
  });

  test("a non-member gets 403 reading state", async () => {
    const { server, bob, roomId } = await setup();
    const res = await server.get(roomPath(roomId, "/state/m.room.create/"), { token: bob.access_token });
    expect(res.status).toBe(403);
    expect(res.body.errcode).toBe("M_FORBIDDEN");
  });
});

describe("GET /rooms/{roomId}/state", () => {
  test("returns the current state to members", async () => {
    const { server, alice, roomId } = await setup({ name: "N", topic: "T" });
    const res = await server.get(roomPath(roomId, "/state"), { token: alice.access_token });
    expect(res.status).toBe(200);
    const types = res.body.map((e: { type: string }) => e.type).sort();
    expect(types).toEqual(
      [
        "m.room.create",
        "m.room.guest_access",
        "m.room.history_visibility",
        "m.room.join_rules",
        "m.room.member",
        "m.room.name",
        "m.room.power_levels",
        "m.room.topic",
      ].sort(),
    );
  });

  test("returns the state at their leave to users who left", async () => {
    const { server, alice, bob, roomId } = await setup({ preset: "public_chat", name: "Before" });
    await join(server, bob, roomId);
    await server.post(roomPath(roomId, "/leave"), {}, { token: bob.access_token });
    await setState(server, alice, roomId, "m.room.name", "", { name: "After" });
    const res = await server.get(roomPath(roomId, "/state"), { token: bob.access_token });
    expect(res.body.find((e: { type: string }) => e.type === "m.room.name").content.name).toBe("Before");
    const name = await server.get(roomPath(roomId, "/state/m.room.name/"), { token: bob.access_token });
    expect(name.body.name).toBe("Before");
  });

  test("answers 403 to users who were never members and to unknown rooms", async () => {
    const { server, bob, roomId } = await setup();
    expect((await server.get(roomPath(roomId, "/state"), { token: bob.access_token })).status).toBe(403);
    expect((await server.get(roomPath("!unknown:test.local", "/state"), { token: bob.access_token })).status).toBe(403);
  });
});
