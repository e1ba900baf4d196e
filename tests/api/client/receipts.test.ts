import { describe, expect, test } from "bun:test";
import { startFakePushGateway } from "../../support/fake-push-gateway.ts";
import { createTestServer } from "../../support/server.ts";
import { createRoom, join, newUser, roomPath, sendMessage, V3 } from "../../support/rooms.ts";
import { storedReceipt } from "../../support/stored.ts";
import { pushGatewayIdle, receiptsPosition } from "../../support/streams.ts";

const receiptPath = (roomId: string, type: string, eventId: string) =>
  roomPath(roomId, `/receipt/${type}/${encodeURIComponent(eventId)}`);

describe("POST /rooms/{roomId}/receipt/{receiptType}/{eventId}", () => {
  test("stores m.read with a new stream position; an older event does not move it back", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const roomId = await createRoom(server, alice);
    const first = await sendMessage(server, alice, roomId, "1");
    const second = await sendMessage(server, alice, roomId, "2");
    expect((await server.post(receiptPath(roomId, "m.read", second), {}, { token: alice.access_token })).body).toEqual(
      {},
    );
    const position = receiptsPosition(server);
    expect((await server.post(receiptPath(roomId, "m.read", first), {}, { token: alice.access_token })).status).toBe(
      200,
    );
    expect(receiptsPosition(server)).toBe(position);
    expect(storedReceipt(server, roomId, "m.read", alice.user_id)?.event_id).toBe(second);
    server.close();
  });

  test("accepts a request without a body", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const roomId = await createRoom(server, alice);
    const event = await sendMessage(server, alice, roomId, "1");
    const res = await server.request("POST", receiptPath(roomId, "m.read", event), { token: alice.access_token });
    expect(res.status).toBe(200);
    server.close();
  });

  test("refuses unknown types, bad thread ids, strangers and unknown events", async () => {
    const server = createTestServer();
    const [alice, bob] = [await newUser(server), await newUser(server)];
    const roomId = await createRoom(server, alice, { preset: "public_chat" });
    const root = await sendMessage(server, alice, roomId, "root");
    const inThread = (
      await server.put(
        roomPath(roomId, "/send/m.room.message/t"),
        { msgtype: "m.text", body: "t", "m.relates_to": { rel_type: "m.thread", event_id: root } },
        { token: alice.access_token },
      )
    ).body.event_id;
    const post = (type: string, eventId: string, body: object = {}, token = alice.access_token) =>
      server.post(receiptPath(roomId, type, eventId), body, { token });
    const expectError = async (res: Promise<{ status: number; body: any }>, status: number, errcode: string) => {
      const r = await res;
      expect([r.status, r.body.errcode]).toEqual([status, errcode]);
    };
    await expectError(post("m.unknown", root), 400, "M_INVALID_PARAM");
    await expectError(post("m.read", root, { thread_id: "" }), 400, "M_INVALID_PARAM");
    await expectError(post("m.read", inThread, { thread_id: "main" }), 400, "M_INVALID_PARAM");
    await expectError(post("m.read", root, { thread_id: "$other" }), 400, "M_INVALID_PARAM");
    await expectError(post("m.fully_read", root, { thread_id: "main" }), 400, "M_INVALID_PARAM");
    await expectError(post("m.read", "$nope"), 404, "M_NOT_FOUND");
    await expectError(post("m.read", root, {}, bob.access_token), 403, "M_FORBIDDEN");
    expect((await post("m.read", inThread, { thread_id: root })).status).toBe(200);
    // A reaction to a threaded event is in that thread (the rooms engine decides it at append).
    const reaction = (
      await server.put(
        roomPath(roomId, "/send/m.reaction/r1"),
        { "m.relates_to": { rel_type: "m.annotation", event_id: inThread, key: "👍" } },
        { token: alice.access_token },
      )
    ).body.event_id;
    expect((await post("m.read", reaction, { thread_id: root })).status).toBe(200);
    await expectError(post("m.read", reaction, { thread_id: "main" }), 400, "M_INVALID_PARAM");
    expect((await post("m.read", root, { thread_id: root })).status).toBe(200);
    expect((await post("m.read", root, { thread_id: "main" })).status).toBe(200);
    server.close();
  });

  test("m.fully_read sets the room's read marker account data", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const roomId = await createRoom(server, alice);
    const event = await sendMessage(server, alice, roomId, "1");
    expect(
      (await server.post(receiptPath(roomId, "m.fully_read", event), {}, { token: alice.access_token })).status,
    ).toBe(200);
    const marker = await server.get(
      `${V3}/user/${encodeURIComponent(alice.user_id)}/rooms/${encodeURIComponent(roomId)}/account_data/m.fully_read`,
      { token: alice.access_token },
    );
    expect(marker.body).toEqual({ event_id: event });
    server.close();
  });

  test("a read receipt sends the user's pushers the new unread count", async () => {
    const gateway = startFakePushGateway();
    const server = createTestServer();
    try {
      const [alice, bob] = [await newUser(server), await newUser(server)];
      const roomId = await createRoom(server, alice, { preset: "public_chat" });
      await join(server, bob, roomId);
      await server.post(
        `${V3}/pushers/set`,
        {
          kind: "http",
          app_id: "a",
          pushkey: "k",
          app_display_name: "A",
          device_display_name: "D",
          lang: "en",
          data: { url: gateway.url },
        },
        { token: bob.access_token },
      );
      const event = await sendMessage(server, alice, roomId, "hello");
      await pushGatewayIdle(server);
      const before = gateway.requests.length;
      await server.post(receiptPath(roomId, "m.read", event), {}, { token: bob.access_token });
      await pushGatewayIdle(server);
      const counts = gateway.requests.slice(before).map((r) => r.notification.counts);
      expect(counts).toEqual([{ unread: 0 }]);
    } finally {
      server.close();
      await gateway.stop();
    }
  });
});

describe("POST /rooms/{roomId}/read_markers", () => {
  test("sets the fully-read marker and the receipts given", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const roomId = await createRoom(server, alice);
    const a = await sendMessage(server, alice, roomId, "a");
    const b = await sendMessage(server, alice, roomId, "b");
    const res = await server.post(
      roomPath(roomId, "/read_markers"),
      { "m.fully_read": a, "m.read": b, "m.read.private": b },
      { token: alice.access_token },
    );
    expect([res.status, res.body]).toEqual([200, {}]);
    expect(storedReceipt(server, roomId, "m.read", alice.user_id)?.event_id).toBe(b);
    expect(storedReceipt(server, roomId, "m.read.private", alice.user_id)?.event_id).toBe(b);
    const marker = await server.get(
      `${V3}/user/${encodeURIComponent(alice.user_id)}/rooms/${encodeURIComponent(roomId)}/account_data/m.fully_read`,
      { token: alice.access_token },
    );
    expect(marker.body).toEqual({ event_id: a });
    server.close();
  });
});
