import { expect, test } from "bun:test";
import type { AppendedEvent } from "../../src/core/rooms/appended-event.ts";
import { createTestServer } from "../support/server.ts";
import { createRoom, newUser, roomPath, sendMessage } from "../support/rooms.ts";

test("subscribers hear of each appended event after commit, in stream order", async () => {
  const server = createTestServer();
  const alice = await newUser(server);
  const heard: AppendedEvent[] = [];
  server.services.signals.eventAppended.subscribe((event) => {
    // The event is committed: a read from the store finds it.
    expect(server.stores.events.selectEvent(event.event_id)).toBeDefined();
    heard.push(event);
  });
  const roomId = await createRoom(server, alice, { name: "n" });
  const eventId = await sendMessage(server, alice, roomId);
  expect(heard.map((e) => e.type)).toEqual([
    "m.room.create",
    "m.room.member",
    "m.room.power_levels",
    "m.room.join_rules",
    "m.room.history_visibility",
    "m.room.guest_access",
    "m.room.name",
    "m.room.message",
  ]);
  expect(heard.at(-1)).toMatchObject({
    room_id: roomId,
    event_id: eventId,
    sender: alice.user_id,
    state_key: undefined,
  });
  expect(heard[1]).toMatchObject({ membership: "join", state_key: alice.user_id });
  const streams = heard.map((e) => e.stream_ordering);
  expect(streams).toEqual([...streams].sort((a, b) => a - b));
});

test("a refused request notifies nobody, and a failing listener does not fail the request", async () => {
  const server = createTestServer();
  const alice = await newUser(server);
  const bob = await newUser(server);
  const roomId = await createRoom(server, alice);
  let calls = 0;
  server.services.signals.eventAppended.subscribe(() => {
    calls++;
    throw new Error("listener bug");
  });
  const refused = await server.put(
    roomPath(roomId, "/send/m.room.message/x"),
    { body: "no" },
    { token: bob.access_token },
  );
  expect(refused.status).toBe(403);
  expect(calls).toBe(0);
  await sendMessage(server, alice, roomId);
  expect(calls).toBe(1);
});
