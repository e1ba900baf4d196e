import { describe, expect, test } from "bun:test";
import { deviceKeysFor, signedKeys } from "../../support/e2ee.ts";
import { createTestServer } from "../../support/server.ts";
import { createRoom, invite, join, newUser, roomPath, sendMessage, V3 } from "../../support/rooms.ts";
import { sync } from "../../support/sync.ts";
import { pendingToDevice } from "../../support/to-device.ts";

const toDevicePath = (txnId: string) => `${V3}/sendToDevice/m.test/${txnId}`;
const ephemeral = (body: any, roomId: string): any[] => body.rooms.join[roomId]?.ephemeral.events ?? [];

describe("GET /sync: account data and push rules", () => {
  test("global and room account data arrive once, after their change; m.push_rules comes initially and when rules change", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const roomId = await createRoom(server, alice);
    const first = await sync(server, alice);
    expect(first.account_data.events.map((e: any) => e.type)).toEqual(["m.push_rules"]);
    await server.put(
      `${V3}/user/${encodeURIComponent(alice.user_id)}/account_data/m.direct`,
      { "@x:y": [roomId] },
      { token: alice.access_token },
    );
    await server.put(
      `${V3}/user/${encodeURIComponent(alice.user_id)}/rooms/${encodeURIComponent(roomId)}/tags/u.work`,
      { order: 0.5 },
      { token: alice.access_token },
    );
    const second = await sync(server, alice, { since: first.next_batch });
    expect(second.account_data.events).toEqual([{ type: "m.direct", content: { "@x:y": [roomId] } }]);
    expect(second.rooms.join[roomId].account_data.events).toEqual([
      { type: "m.tag", content: { tags: { "u.work": { order: 0.5 } } } },
    ]);
    expect(second.rooms.join[roomId].timeline.events).toEqual([]);
    const third = await sync(server, alice, { since: second.next_batch });
    expect(third.account_data.events).toEqual([]);
    await server.put(
      `${V3}/pushrules/global/override/my.rule`,
      { actions: [], conditions: [] },
      { token: alice.access_token },
    );
    const fourth = await sync(server, alice, { since: third.next_batch });
    expect(fourth.account_data.events.map((e: any) => e.type)).toEqual(["m.push_rules"]);
    expect(fourth.account_data.events[0].content.global.override.map((r: any) => r.rule_id)).toContain("my.rule");
    server.close();
  });
});

describe("GET /sync: to-device messages", () => {
  test("are delivered to their device and deleted only once a later since shows they arrived", async () => {
    const server = createTestServer();
    const [alice, bob] = [await newUser(server), await newUser(server)];
    const start = await sync(server, bob);
    const send = (n: number) =>
      server.put(
        toDevicePath(`t${n}`),
        { messages: { [bob.user_id]: { [bob.device_id]: { n } } } },
        { token: alice.access_token },
      );
    await send(1);
    await send(2);
    const got = await sync(server, bob, { since: start.next_batch });
    expect(got.to_device.events).toEqual([
      { sender: alice.user_id, type: "m.test", content: { n: 1 } },
      { sender: alice.user_id, type: "m.test", content: { n: 2 } },
    ]);
    // The response was lost: the same since gets the same messages again.
    expect((await sync(server, bob, { since: start.next_batch })).to_device.events).toHaveLength(2);
    expect(pendingToDevice(server, bob.user_id, bob.device_id)).toBe(2);
    const next = await sync(server, bob, { since: got.next_batch });
    expect(next.to_device.events).toEqual([]);
    expect(pendingToDevice(server, bob.user_id, bob.device_id)).toBe(0);
    await send(3);
    expect((await sync(server, bob, { since: next.next_batch })).to_device.events.map((e: any) => e.content.n)).toEqual(
      [3],
    );
    server.close();
  });

  test("more than a response holds come in the following responses, in order", async () => {
    const server = createTestServer();
    const [alice, bob] = [await newUser(server), await newUser(server)];
    let since = (await sync(server, bob)).next_batch;
    for (let n = 0; n < 150; n++)
      await server.put(
        toDevicePath(`m${n}`),
        { messages: { [bob.user_id]: { [bob.device_id]: { n } } } },
        { token: alice.access_token },
      );
    const seen: number[] = [];
    for (let round = 0; round < 3; round++) {
      const body = await sync(server, bob, { since, timeout: 0 });
      seen.push(...body.to_device.events.map((e: any) => e.content.n));
      since = body.next_batch;
    }
    expect(seen).toEqual([...Array(150).keys()]);
    server.close();
  });
});

describe("GET /sync: end-to-end encryption fields", () => {
  test("one-time key counts and unused fallback key types come in every response", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const device = deviceKeysFor(alice);
    await server.post(
      `${V3}/keys/upload`,
      {
        device_keys: device.device_keys,
        one_time_keys: signedKeys(alice.user_id, device, ["A", "B"]),
        fallback_keys: signedKeys(alice.user_id, device, ["F"], true),
      },
      { token: alice.access_token },
    );
    const body = await sync(server, alice);
    expect(body.device_one_time_keys_count).toEqual({ signed_curve25519: 2 });
    expect(body.device_unused_fallback_key_types).toEqual(["signed_curve25519"]);
    server.close();
  });

  test("device_lists names users sharing a room whose keys changed, new room-mates, and users who no longer share a room", async () => {
    const server = createTestServer();
    const [alice, bob, carol] = [await newUser(server), await newUser(server), await newUser(server)];
    const roomId = await createRoom(server, alice, { preset: "public_chat" });
    await join(server, bob, roomId);
    let since = (await sync(server, alice)).next_batch;
    await server.post(
      `${V3}/keys/upload`,
      { device_keys: deviceKeysFor(bob).device_keys },
      { token: bob.access_token },
    );
    await server.post(
      `${V3}/keys/upload`,
      { device_keys: deviceKeysFor(carol).device_keys },
      { token: carol.access_token },
    );
    let body = await sync(server, alice, { since });
    expect(body.device_lists).toEqual({ changed: [bob.user_id], left: [] });
    since = body.next_batch;
    await join(server, carol, roomId);
    body = await sync(server, alice, { since });
    expect(body.device_lists).toEqual({ changed: [carol.user_id], left: [] });
    since = body.next_batch;
    await server.post(roomPath(roomId, "/leave"), {}, { token: carol.access_token });
    body = await sync(server, alice, { since });
    expect(body.device_lists).toEqual({ changed: [], left: [carol.user_id] });

    // Bob's view when he joins a second room with Carol, then leaves the first.
    const other = await createRoom(server, carol, { preset: "public_chat" });
    since = (await sync(server, bob)).next_batch;
    await join(server, bob, other);
    body = await sync(server, bob, { since });
    expect(body.device_lists.changed).toEqual([carol.user_id]);
    since = body.next_batch;
    await server.post(roomPath(roomId, "/leave"), {}, { token: bob.access_token });
    body = await sync(server, bob, { since });
    expect(body.device_lists.left).toEqual([alice.user_id]);
    server.close();
  });
});

describe("GET /sync: unread notification counts", () => {
  test("a message counts as unread for the other member until their read receipt", async () => {
    const server = createTestServer();
    const [alice, bob] = [await newUser(server), await newUser(server)];
    const roomId = await createRoom(server, alice, { preset: "private_chat", invite: [bob.user_id] });
    await join(server, bob, roomId);
    const since = (await sync(server, bob)).next_batch;
    expect((await sync(server, bob)).rooms.join[roomId].unread_notifications.notification_count).toBe(1); // the invite
    await sendMessage(server, alice, roomId, "one");
    const mention = { msgtype: "m.text", body: "two", "m.mentions": { user_ids: [bob.user_id] } };
    const last = (
      await server.put(roomPath(roomId, "/send/m.room.message/mention"), mention, { token: alice.access_token })
    ).body.event_id;
    let body = await sync(server, bob, { since });
    expect(body.rooms.join[roomId].unread_notifications).toEqual({ notification_count: 3, highlight_count: 1 });
    expect((await sync(server, alice, { since })).rooms.join[roomId].unread_notifications).toEqual({
      notification_count: 0,
      highlight_count: 0,
    });
    const receipt = await server.post(
      roomPath(roomId, `/receipt/m.read/${encodeURIComponent(last)}`),
      {},
      { token: bob.access_token },
    );
    expect(receipt.status).toBe(200);
    body = await sync(server, bob, { since: body.next_batch });
    expect(body.rooms.join[roomId].unread_notifications).toEqual({ notification_count: 0, highlight_count: 0 });
    server.close();
  });

  test("an initial sync of many rooms reads every room's counts at once, with the same result", async () => {
    const server = createTestServer();
    const [alice, bob] = [await newUser(server), await newUser(server)];
    const rooms: string[] = [];
    for (let i = 0; i < 12; i++) {
      const roomId = await createRoom(server, alice, { preset: "public_chat" });
      await join(server, bob, roomId);
      for (let n = 0; n <= i % 3; n++) await sendMessage(server, alice, roomId, `m${n}`);
      rooms.push(roomId);
    }
    const body = await sync(server, bob);
    expect(rooms.map((roomId) => body.rooms.join[roomId].unread_notifications.notification_count)).toEqual(
      rooms.map((_, i) => (i % 3) + 1),
    );
    const one = await sync(server, bob, { filter: { room: { rooms: [rooms[4]] } } });
    expect(one.rooms.join[rooms[4]!].unread_notifications).toEqual(body.rooms.join[rooms[4]!].unread_notifications);
    server.close();
  });

  test("with unread_thread_notifications, threads are counted apart and a threaded receipt resets only its thread", async () => {
    const server = createTestServer();
    const [alice, bob] = [await newUser(server), await newUser(server)];
    const roomId = await createRoom(server, alice, { preset: "private_chat", invite: [bob.user_id] });
    await join(server, bob, roomId);
    const joined = (await server.get(roomPath(roomId, "/messages?dir=b&limit=1"), { token: bob.access_token })).body
      .chunk[0].event_id;
    await server.post(
      roomPath(roomId, `/receipt/m.read/${encodeURIComponent(joined)}`),
      {},
      { token: bob.access_token },
    );
    const root = await sendMessage(server, alice, roomId, "root");
    const reply = (
      await server.put(
        roomPath(roomId, "/send/m.room.message/thread1"),
        { msgtype: "m.text", body: "in thread", "m.relates_to": { rel_type: "m.thread", event_id: root } },
        { token: alice.access_token },
      )
    ).body.event_id;
    const filter = { room: { timeline: { unread_thread_notifications: true } } };
    let room = (await sync(server, bob, { filter })).rooms.join[roomId];
    expect(room.unread_notifications.notification_count).toBe(1);
    expect(room.unread_thread_notifications).toEqual({ [root]: { notification_count: 1, highlight_count: 0 } });
    expect((await sync(server, bob)).rooms.join[roomId].unread_notifications.notification_count).toBe(2);
    await server.post(
      roomPath(roomId, `/receipt/m.read/${encodeURIComponent(reply)}`),
      { thread_id: root },
      { token: bob.access_token },
    );
    room = (await sync(server, bob, { filter })).rooms.join[roomId];
    expect(room.unread_notifications.notification_count).toBe(1);
    expect(room.unread_thread_notifications).toBeUndefined();
    server.close();
  });
});

describe("GET /sync: ephemeral events", () => {
  test("receipts: public ones reach every member, private ones only their sender, threaded ones carry thread_id", async () => {
    const server = createTestServer();
    const [alice, bob] = [await newUser(server), await newUser(server)];
    const roomId = await createRoom(server, alice, { preset: "public_chat" });
    await join(server, bob, roomId);
    const event = await sendMessage(server, alice, roomId, "read me");
    const since = (await sync(server, alice)).next_batch;
    await server.post(
      roomPath(roomId, `/receipt/m.read/${encodeURIComponent(event)}`),
      {},
      { token: bob.access_token },
    );
    await server.post(
      roomPath(roomId, `/receipt/m.read.private/${encodeURIComponent(event)}`),
      {},
      { token: bob.access_token },
    );
    await server.post(
      roomPath(roomId, `/receipt/m.read/${encodeURIComponent(event)}`),
      { thread_id: "main" },
      { token: bob.access_token },
    );
    const aliceSees = ephemeral(await sync(server, alice, { since }), roomId).filter((e) => e.type === "m.receipt");
    expect(aliceSees).toHaveLength(1);
    const receipts = aliceSees[0].content[event];
    expect(Object.keys(receipts)).toEqual(["m.read"]);
    expect(receipts["m.read"][bob.user_id].thread_id).toBe("main");
    const bobSees = ephemeral(await sync(server, bob, { since }), roomId)[0].content[event];
    expect(Object.keys(bobSees).sort()).toEqual(["m.read", "m.read.private"]);
    // An initial sync carries the room's receipts.
    expect(ephemeral(await sync(server, alice), roomId)[0].content[event]["m.read"][bob.user_id].ts).toBeNumber();
    server.close();
  });

  test("typing: the room's typing users whenever the list changed", async () => {
    const server = createTestServer();
    const [alice, bob] = [await newUser(server), await newUser(server)];
    const roomId = await createRoom(server, alice, { preset: "public_chat" });
    await join(server, bob, roomId);
    const since = (await sync(server, alice)).next_batch;
    await server.put(
      roomPath(roomId, `/typing/${encodeURIComponent(bob.user_id)}`),
      { typing: true, timeout: 30_000 },
      { token: bob.access_token },
    );
    const body = await sync(server, alice, { since });
    expect(ephemeral(body, roomId)).toEqual([{ type: "m.typing", content: { user_ids: [bob.user_id] } }]);
    expect(ephemeral(await sync(server, alice), roomId)).toEqual([
      { type: "m.typing", content: { user_ids: [bob.user_id] } },
    ]);
    await server.put(
      roomPath(roomId, `/typing/${encodeURIComponent(bob.user_id)}`),
      { typing: false },
      { token: bob.access_token },
    );
    expect(ephemeral(await sync(server, alice, { since: body.next_batch }), roomId)).toEqual([
      { type: "m.typing", content: { user_ids: [] } },
    ]);
    server.close();
  });
});

describe("GET /sync: presence", () => {
  test("syncing marks a user online for users who share a room; others see nothing", async () => {
    const server = createTestServer();
    const [alice, bob, stranger] = [await newUser(server), await newUser(server), await newUser(server)];
    const roomId = await createRoom(server, alice, { preset: "public_chat" });
    await join(server, bob, roomId);
    // Joining was activity; Bob's client goes offline before Alice's token is taken.
    await server.put(
      `${V3}/presence/${encodeURIComponent(bob.user_id)}/status`,
      { presence: "offline" },
      { token: bob.access_token },
    );
    const aliceSince = (await sync(server, alice, { set_presence: "offline" })).next_batch;
    const strangerSince = (await sync(server, stranger, { set_presence: "offline" })).next_batch;
    await sync(server, bob);
    const presence = (await sync(server, alice, { since: aliceSince, set_presence: "offline" })).presence.events;
    expect(presence).toEqual([
      {
        type: "m.presence",
        sender: bob.user_id,
        content: expect.objectContaining({ presence: "online", currently_active: true }),
      },
    ]);
    expect((await sync(server, stranger, { since: strangerSince, set_presence: "offline" })).presence.events).toEqual(
      [],
    );
    server.close();
  });

  test("with allow_local_presence = false nobody's presence is sent", async () => {
    const server = createTestServer({ allow_local_presence: false });
    const alice = await newUser(server);
    await sync(server, alice);
    expect((await sync(server, alice)).presence.events).toEqual([]);
    server.close();
  });
});
