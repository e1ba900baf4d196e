import { describe, expect, test } from "bun:test";
import { createTestServer, tempDir } from "../../support/server.ts";
import { createRoom, invite, join, messages, roomPath, sendMessage, setState, newUser } from "../../support/rooms.ts";
import { addDevice } from "../../support/fixtures.ts";

describe("PUT /rooms/{roomId}/send/{eventType}/{txnId}", () => {
  test("sends a message that the room's members can read", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const roomId = await createRoom(server, alice);
    const res = await server.put(
      roomPath(roomId, "/send/m.room.message/txn1"),
      { msgtype: "m.text", body: "hi" },
      { token: alice.access_token },
    );
    expect(res.status).toBe(200);
    expect(res.body.event_id).toMatch(/^\$/);
    const event = await server.get(roomPath(roomId, `/event/${encodeURIComponent(res.body.event_id)}`), {
      token: alice.access_token,
    });
    expect(event.body).toMatchObject({
      type: "m.room.message",
      sender: alice.user_id,
      room_id: roomId,
      content: { body: "hi" },
    });
  });

  test("returns the same event_id when a txnId is reused, and stores one event", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const roomId = await createRoom(server, alice);
    const path = roomPath(roomId, "/send/m.room.message/same");
    const first = await server.put(path, { msgtype: "m.text", body: "once" }, { token: alice.access_token });
    const second = await server.put(path, { msgtype: "m.text", body: "once" }, { token: alice.access_token });
    expect(second.body.event_id).toBe(first.body.event_id);
    const page = await messages(server, alice, roomId, {
      dir: "b",
      limit: "50",
      filter: JSON.stringify({ types: ["m.room.message"] }),
    });
    expect(page.body.chunk).toHaveLength(1);
  });

  test("scopes transaction ids per device", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const otherToken = addDevice(server, alice, "OTHER").access_token;
    const roomId = await createRoom(server, alice);
    const path = roomPath(roomId, "/send/m.room.message/t1");
    const first = await server.put(path, { msgtype: "m.text", body: "a" }, { token: alice.access_token });
    const second = await server.put(path, { msgtype: "m.text", body: "a" }, { token: otherToken });
    expect(second.body.event_id).not.toBe(first.body.event_id);
  });

  test("returns the same event_id for a retried txnId after a restart", async () => {
    const dir = tempDir();
    try {
      const before = createTestServer({}, { databasePath: dir.path });
      const alice = await newUser(before);
      const roomId = await createRoom(before, alice);
      const path = roomPath(roomId, "/send/m.room.message/restart");
      const first = await before.put(path, { msgtype: "m.text", body: "x" }, { token: alice.access_token });
      before.close();
      const after = createTestServer({}, { databasePath: dir.path });
      const retry = await after.put(path, { msgtype: "m.text", body: "x" }, { token: alice.access_token });
      expect(retry.status).toBe(200);
      expect(retry.body.event_id).toBe(first.body.event_id);
      after.close();
    } finally {
      dir.remove();
    }
  });

  test("gives unsigned.transaction_id to the sending device only", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const bob = await newUser(server);
    const roomId = await createRoom(server, alice, { preset: "public_chat" });
    await join(server, bob, roomId);
    const sent = await server.put(
      roomPath(roomId, "/send/m.room.message/mine"),
      { msgtype: "m.text", body: "a" },
      { token: alice.access_token },
    );
    const path = roomPath(roomId, `/event/${encodeURIComponent(sent.body.event_id)}`);
    expect((await server.get(path, { token: alice.access_token })).body.unsigned.transaction_id).toBe("mine");
    expect((await server.get(path, { token: bob.access_token })).body.unsigned.transaction_id).toBeUndefined();
  });

  test("refuses a sender who is not joined with 403 M_FORBIDDEN naming the auth rule", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const mallory = await newUser(server);
    const roomId = await createRoom(server, alice);
    const res = await server.put(
      roomPath(roomId, "/send/m.room.message/x"),
      { msgtype: "m.text", body: "hi" },
      { token: mallory.access_token },
    );
    expect(res.status).toBe(403);
    expect(res.body.errcode).toBe("M_FORBIDDEN");
    expect(res.body.error).toContain("sender is not joined (rule");
  });

  test("answers 403 for an unknown room", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const res = await server.put(
      roomPath("!nope:test.local", "/send/m.room.message/x"),
      { body: "hi" },
      { token: alice.access_token },
    );
    expect(res.status).toBe(403);
    expect(res.body.errcode).toBe("M_FORBIDDEN");
  });

  test("refuses events above 64 KiB with 413 M_TOO_LARGE", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const roomId = await createRoom(server, alice);
    const res = await server.put(
      roomPath(roomId, "/send/m.room.message/big"),
      { body: "x".repeat(66_000) },
      { token: alice.access_token },
    );
    expect(res.status).toBe(413);
    expect(res.body.errcode).toBe("M_TOO_LARGE");
  });

  test("refuses floats in content with 400 M_BAD_JSON", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const roomId = await createRoom(server, alice);
    const res = await server.put(
      roomPath(roomId, "/send/m.room.message/float"),
      { body: "x", n: 1.5 },
      { token: alice.access_token },
    );
    expect(res.status).toBe(400);
    expect(res.body.errcode).toBe("M_BAD_JSON");
  });

  test("requires an access token", async () => {
    const server = createTestServer();
    const res = await server.put(roomPath("!r:test.local", "/send/m.room.message/x"), { body: "hi" });
    expect(res.status).toBe(401);
    expect(res.body.errcode).toBe("M_MISSING_TOKEN");
  });
});

describe("GET /rooms/{roomId}/messages", () => {
  async function roomWithMessages(count: number) {
    const server = createTestServer();
    const alice = await newUser(server);
    const roomId = await createRoom(server, alice);
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push(await sendMessage(server, alice, roomId, `m${i}`));
    return { server, alice, roomId, ids };
  }
  const onlyMessages = JSON.stringify({ types: ["m.room.message"] });

  test("paginates backwards to the start of the room, then omits end", async () => {
    const { server, alice, roomId, ids } = await roomWithMessages(25);
    const seen: string[] = [];
    let from: string | undefined;
    for (let page = 0; page < 10; page++) {
      const res = await messages(server, alice, roomId, {
        dir: "b",
        limit: "10",
        filter: onlyMessages,
        ...(from ? { from } : {}),
      });
      expect(res.status).toBe(200);
      seen.push(...res.body.chunk.map((e: { event_id: string }) => e.event_id));
      if (res.body.end === undefined) break;
      from = res.body.end;
    }
    expect(seen).toEqual([...ids].reverse());
  });

  test("paginates forwards from a backwards token, in chronological order", async () => {
    const { server, alice, roomId, ids } = await roomWithMessages(12);
    const back = await messages(server, alice, roomId, { dir: "b", limit: "5", filter: onlyMessages });
    const forward = await messages(server, alice, roomId, {
      dir: "f",
      limit: "3",
      filter: onlyMessages,
      from: back.body.end,
    });
    expect(forward.body.chunk.map((e: { event_id: string }) => e.event_id)).toEqual(ids.slice(7, 10));
    const rest = await messages(server, alice, roomId, {
      dir: "f",
      limit: "10",
      filter: onlyMessages,
      from: forward.body.end,
    });
    expect(rest.body.chunk.map((e: { event_id: string }) => e.event_id)).toEqual(ids.slice(10));
    expect(rest.body.end).toBeDefined();
  });

  test("starts at the first event when paginating forwards without from", async () => {
    const { server, alice, roomId } = await roomWithMessages(2);
    const res = await messages(server, alice, roomId, { dir: "f", limit: "1" });
    expect(res.body.chunk[0].type).toBe("m.room.create");
  });

  test("stops at the `to` token", async () => {
    const { server, alice, roomId, ids } = await roomWithMessages(10);
    const first = await messages(server, alice, roomId, { dir: "b", limit: "4", filter: onlyMessages });
    const res = await messages(server, alice, roomId, {
      dir: "b",
      limit: "50",
      filter: onlyMessages,
      to: first.body.end,
    });
    expect(res.body.chunk.map((e: { event_id: string }) => e.event_id)).toEqual(ids.slice(6).reverse());
  });

  test("applies types, not_types and senders filters", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const bob = await newUser(server);
    const roomId = await createRoom(server, alice, { preset: "public_chat" });
    await join(server, bob, roomId);
    await sendMessage(server, alice, roomId, "a");
    await sendMessage(server, bob, roomId, "b");
    await sendMessage(server, bob, roomId, "c", "com.example.custom");
    const bobOnly = await messages(server, alice, roomId, {
      dir: "b",
      filter: JSON.stringify({ senders: [bob.user_id], not_types: ["m.room.member"] }),
    });
    expect(bobOnly.body.chunk.map((e: { type: string }) => e.type)).toEqual(["com.example.custom", "m.room.message"]);
    const wildcard = await messages(server, alice, roomId, {
      dir: "b",
      filter: JSON.stringify({ types: ["m.room.*"], not_types: ["m.room.member"] }),
    });
    expect(
      wildcard.body.chunk.every((e: { type: string }) => e.type.startsWith("m.room.") && e.type !== "m.room.member"),
    ).toBe(true);
  });

  test("returns the senders' member events with lazy_load_members", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const bob = await newUser(server);
    const roomId = await createRoom(server, alice, { preset: "public_chat" });
    await join(server, bob, roomId);
    await sendMessage(server, bob, roomId, "b");
    const res = await messages(server, alice, roomId, {
      dir: "b",
      limit: "1",
      filter: JSON.stringify({ lazy_load_members: true }),
    });
    expect(res.body.state.map((e: { state_key: string }) => e.state_key)).toEqual([bob.user_id]);
  });

  test("rejects an invalid token and an invalid filter with 400 M_INVALID_PARAM", async () => {
    const { server, alice, roomId } = await roomWithMessages(1);
    expect((await messages(server, alice, roomId, { dir: "b", from: "garbage" })).body.errcode).toBe("M_INVALID_PARAM");
    expect((await messages(server, alice, roomId, { dir: "b", filter: "{not json" })).body.errcode).toBe(
      "M_INVALID_PARAM",
    );
  });

  test("requires dir", async () => {
    const { server, alice, roomId } = await roomWithMessages(1);
    const res = await server.get(roomPath(roomId, "/messages"), { token: alice.access_token });
    expect(res.status).toBe(400);
  });

  test("answers 403 to users who were never in the room", async () => {
    const { server, roomId } = await roomWithMessages(1);
    const mallory = await newUser(server);
    const res = await messages(server, mallory, roomId, { dir: "b" });
    expect(res.status).toBe(403);
    expect(res.body.errcode).toBe("M_FORBIDDEN");
  });
});

describe("history visibility", () => {
  async function setup(visibility: string) {
    const server = createTestServer();
    const alice = await newUser(server);
    const bob = await newUser(server);
    const roomId = await createRoom(server, alice, { preset: "public_chat" });
    expect(
      (await setState(server, alice, roomId, "m.room.history_visibility", "", { history_visibility: visibility }))
        .status,
    ).toBe(200);
    const early = await sendMessage(server, alice, roomId, "before bob");
    return { server, alice, bob, roomId, early };
  }
  const bodies = (res: { body: { chunk: Array<{ content: { body?: string } }> } }) =>
    res.body.chunk.map((e) => e.content.body).filter((b) => b !== undefined);

  test("shared: a new member sees history from before their join", async () => {
    const { server, bob, roomId } = await setup("shared");
    await join(server, bob, roomId);
    expect(bodies(await messages(server, bob, roomId, { dir: "b", limit: "50" }))).toContain("before bob");
  });

  test("joined: a new member sees nothing from before their join", async () => {
    const { server, bob, roomId, early } = await setup("joined");
    await join(server, bob, roomId);
    expect(bodies(await messages(server, bob, roomId, { dir: "b", limit: "50" }))).not.toContain("before bob");
    const event = await server.get(roomPath(roomId, `/event/${encodeURIComponent(early)}`), {
      token: bob.access_token,
    });
    expect(event.status).toBe(404);
  });

  test("invited: events from the invite on are visible", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const bob = await newUser(server);
    const roomId = await createRoom(server, alice, {
      initial_state: [{ type: "m.room.history_visibility", content: { history_visibility: "invited" } }],
    });
    await sendMessage(server, alice, roomId, "before invite");
    await invite(server, alice, roomId, bob);
    await sendMessage(server, alice, roomId, "after invite");
    await join(server, bob, roomId);
    const seen = bodies(await messages(server, bob, roomId, { dir: "b", limit: "50" }));
    expect(seen).toContain("after invite");
    expect(seen).not.toContain("before invite");
  });

  test("world_readable: anyone may read without joining", async () => {
    const { server, bob, roomId } = await setup("world_readable");
    const res = await messages(server, bob, roomId, { dir: "b", limit: "50" });
    expect(res.status).toBe(200);
    expect(bodies(res)).toContain("before bob");
  });

  test("a user who left sees the room up to their leave and no further", async () => {
    const { server, alice, bob, roomId } = await setup("shared");
    await join(server, bob, roomId);
    await sendMessage(server, alice, roomId, "while bob is here");
    expect((await server.post(roomPath(roomId, "/leave"), {}, { token: bob.access_token })).status).toBe(200);
    await sendMessage(server, alice, roomId, "after bob left");
    const seen = bodies(await messages(server, bob, roomId, { dir: "b", limit: "50" }));
    expect(seen).toContain("while bob is here");
    expect(seen).not.toContain("after bob left");
  });
});

describe("concurrent sends", () => {
  test("many sends at once into one room each get their own event, in one chain", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const roomId = await createRoom(server, alice);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        server.put(
          roomPath(roomId, `/send/m.room.message/c${i}`),
          { msgtype: "m.text", body: `${i}` },
          { token: alice.access_token },
        ),
      ),
    );
    expect(results.every((res) => res.status === 200)).toBe(true);
    expect(new Set(results.map((res) => res.body.event_id)).size).toBe(50);
    expect(server.stores.rooms.selectExtremities(roomId)).toHaveLength(1);
    const depths = server.stores.events.selectRoomEvents(roomId).map((row) => row.depth);
    expect(new Set(depths).size).toBe(depths.length);
  });
});
