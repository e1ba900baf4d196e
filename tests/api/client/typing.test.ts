import { describe, expect, test } from "bun:test";
import { manualClock } from "../../support/fixtures.ts";
import { createTestServer } from "../../support/server.ts";
import { createRoom, join, newUser, roomPath } from "../../support/rooms.ts";
import { typingIn, typingPosition, typingSince } from "../../support/typing.ts";

const typingPath = (roomId: string, userId: string) => roomPath(roomId, `/typing/${encodeURIComponent(userId)}`);

describe("PUT /rooms/{roomId}/typing/{userId}", () => {
  test("marks a joined member typing until the timeout, and not typing on request", async () => {
    const clock = manualClock();
    const server = createTestServer({}, { clock });
    const alice = await newUser(server);
    const roomId = await createRoom(server, alice);
    const res = await server.put(
      typingPath(roomId, alice.user_id),
      { typing: true, timeout: 5_000 },
      { token: alice.access_token },
    );
    expect([res.status, res.body]).toEqual([200, {}]);
    expect(typingIn(server, roomId)).toEqual([alice.user_id]);
    await server.put(typingPath(roomId, alice.user_id), { typing: false }, { token: alice.access_token });
    expect(typingIn(server, roomId)).toEqual([]);
    server.close();
  });

  test("expires after the timeout and moves the room's position", async () => {
    const clock = manualClock();
    const server = createTestServer({}, { clock });
    const alice = await newUser(server);
    const roomId = await createRoom(server, alice);
    const before = typingPosition(server);
    await server.put(typingPath(roomId, alice.user_id), { typing: true, timeout: 30 }, { token: alice.access_token });
    expect(typingIn(server, roomId)).toEqual([alice.user_id]);
    clock.advance(80);
    expect(typingIn(server, roomId)).toEqual([]);
    expect(typingPosition(server)).toBe(before + 2);
    expect(typingSince(server, roomId, before + 1)).toEqual([]);
    server.close();
  });

  test("another user's id is 403; a room one is not joined to is 403", async () => {
    const server = createTestServer();
    const [alice, bob] = [await newUser(server), await newUser(server)];
    const roomId = await createRoom(server, alice, { preset: "public_chat" });
    const other = await server.put(typingPath(roomId, alice.user_id), { typing: true }, { token: bob.access_token });
    expect([other.status, other.body.errcode]).toEqual([403, "M_FORBIDDEN"]);
    const notJoined = await server.put(typingPath(roomId, bob.user_id), { typing: true }, { token: bob.access_token });
    expect([notJoined.status, notJoined.body.errcode]).toEqual([403, "M_FORBIDDEN"]);
    await join(server, bob, roomId);
    expect(
      (await server.put(typingPath(roomId, bob.user_id), { typing: true }, { token: bob.access_token })).status,
    ).toBe(200);
    const missing = await server.put(typingPath(roomId, bob.user_id), {}, { token: bob.access_token });
    expect(missing.status).toBe(400);
    server.close();
  });
});
