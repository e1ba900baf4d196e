import { describe, expect, test } from "bun:test";
import { manualClock } from "../../support/fixtures.ts";
import { createTestServer } from "../../support/server.ts";
import { createRoom, join, newUser, sendMessage, V3 } from "../../support/rooms.ts";
import { sync } from "../../support/sync.ts";
import { presenceOf, sweepPresence } from "../../support/presence.ts";

const statusPath = (userId: string) => `${V3}/presence/${encodeURIComponent(userId)}/status`;

describe("PUT and GET /presence/{userId}/status", () => {
  test("sets one's presence and status message, read back by oneself and by users sharing a room only", async () => {
    const server = createTestServer();
    const [alice, bob, stranger] = [await newUser(server), await newUser(server), await newUser(server)];
    const roomId = await createRoom(server, alice, { preset: "public_chat" });
    await join(server, bob, roomId);
    const put = await server.put(
      statusPath(alice.user_id),
      { presence: "unavailable", status_msg: "lunch" },
      { token: alice.access_token },
    );
    expect([put.status, put.body]).toEqual([200, {}]);
    const seen = await server.get(statusPath(alice.user_id), { token: bob.access_token });
    expect(seen.body).toMatchObject({ presence: "unavailable", status_msg: "lunch", currently_active: false });
    expect(seen.body.last_active_ago).toBeNumber();
    expect((await server.get(statusPath(alice.user_id), { token: alice.access_token })).status).toBe(200);
    const hidden = await server.get(statusPath(alice.user_id), { token: stranger.access_token });
    expect([hidden.status, hidden.body.errcode]).toEqual([403, "M_FORBIDDEN"]);
    const other = await server.put(statusPath(alice.user_id), { presence: "online" }, { token: bob.access_token });
    expect([other.status, other.body.errcode]).toEqual([403, "M_FORBIDDEN"]);
    expect(
      (await server.put(statusPath(alice.user_id), { presence: "away" }, { token: alice.access_token })).status,
    ).toBe(400);
    server.close();
  });

  test("a user without activity turns idle, then offline once no sync runs; sending an event brings them back", async () => {
    const clock = manualClock();
    const server = createTestServer({ presence_idle_timeout_s: 60, presence_offline_timeout_s: 120 }, { clock });
    const alice = await newUser(server);
    const roomId = await createRoom(server, alice);
    await sync(server, alice);
    expect(presenceOf(server, alice.user_id).presence).toBe("online");
    clock.advance(61_000);
    sweepPresence(server);
    expect(presenceOf(server, alice.user_id)).toMatchObject({ presence: "unavailable", last_active_ago: 61_000 });
    await sendMessage(server, alice, roomId, "back");
    expect(presenceOf(server, alice.user_id)).toMatchObject({ presence: "online", currently_active: true });
    clock.advance(121_000);
    sweepPresence(server);
    expect(presenceOf(server, alice.user_id).presence).toBe("offline");
    await sync(server, alice, { set_presence: "offline" });
    expect(presenceOf(server, alice.user_id).presence).toBe("offline");
    await sync(server, alice);
    expect(presenceOf(server, alice.user_id).presence).toBe("online");
    server.close();
  });

  test("with allow_local_presence = false updates are accepted and everyone reads as offline", async () => {
    const server = createTestServer({ allow_local_presence: false });
    const alice = await newUser(server);
    expect(
      (
        await server.put(
          statusPath(alice.user_id),
          { presence: "online", status_msg: "hi" },
          { token: alice.access_token },
        )
      ).status,
    ).toBe(200);
    expect((await server.get(statusPath(alice.user_id), { token: alice.access_token })).body).toEqual({
      presence: "offline",
    });
    server.close();
  });
});
