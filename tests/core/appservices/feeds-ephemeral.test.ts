/**
 * Typing, receipts and presence reach the application services that asked for ephemeral
 * data (MSC2409), from the endpoints that make them.
 */
import { afterEach, expect, test } from "bun:test";
import {
  registerAppservice,
  startAppserviceDelivery,
  startFakeAppservice,
  stopAppserviceDelivery,
} from "../../support/fake-appservice.ts";
import type { TestUser } from "../../support/fixtures.ts";
import { createTestServer } from "../../support/server.ts";
import { createRoom, newUser, roomPath, sendMessage, V3 } from "../../support/rooms.ts";

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

test("a bridged room's typing and receipts, and a room-mate's presence, are delivered as ephemeral data", async () => {
  const fake = await startFakeAppservice();
  const server = createTestServer({
    appservices: { retry_min_ms: 20, retry_max_ms: 160, request_timeout_ms: 2000, poll_interval_ms: 50 },
  });
  const as = registerAppservice(server, { url: fake.url, hs_token: fake.hsToken, receive_ephemeral: true });
  const registered = await server.post(
    "/_matrix/client/v3/register",
    { type: "m.login.application_service", username: `_${as.id}_ghost` },
    { token: as.as_token },
  );
  const ghost = registered.body as TestUser;
  startAppserviceDelivery(server);
  cleanups.push(
    () => fake.stop(),
    () => stopAppserviceDelivery(server),
    () => server.close(),
  );

  const alice = await newUser(server);
  const roomId = await createRoom(server, alice, { preset: "public_chat" });
  expect(
    (
      await server.post(
        `${V3}/join/${encodeURIComponent(roomId)}?user_id=${encodeURIComponent(ghost.user_id)}`,
        {},
        { token: as.as_token },
      )
    ).status,
  ).toBe(200);
  const event = await sendMessage(server, alice, roomId, "hello bridge");
  await server.put(
    roomPath(roomId, `/typing/${encodeURIComponent(alice.user_id)}`),
    { typing: true },
    { token: alice.access_token },
  );
  await server.post(
    roomPath(roomId, `/receipt/m.read/${encodeURIComponent(event)}`),
    {},
    { token: alice.access_token },
  );
  await server.put(
    `${V3}/presence/${encodeURIComponent(alice.user_id)}/status`,
    { presence: "unavailable", status_msg: "away" },
    { token: alice.access_token },
  );

  const ephemeral = () =>
    fake.items("ephemeral") as { type: string; room_id?: string; sender?: string; content: any }[];
  await fake.waitFor(
    () =>
      ["m.typing", "m.receipt"].every((type) => ephemeral().some((e) => e.type === type)) &&
      ephemeral().some((e) => e.type === "m.presence" && e.content.presence === "unavailable"),
    3000,
  );
  expect(ephemeral().find((e) => e.type === "m.typing")).toEqual({
    type: "m.typing",
    room_id: roomId,
    content: { user_ids: [alice.user_id] },
  });
  expect(ephemeral().find((e) => e.type === "m.receipt")?.content[event]["m.read"][alice.user_id].ts).toBeNumber();
  expect(ephemeral().find((e) => e.type === "m.presence" && e.content.presence === "unavailable")).toMatchObject({
    sender: alice.user_id,
    content: { status_msg: "away" },
  });
});
