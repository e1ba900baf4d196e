import { describe, expect, test } from "bun:test";
import { createTestServer } from "../../support/server.ts";
import { createRoom, join, newUser, roomPath, sendMessage, setState, V3 } from "../../support/rooms.ts";
import { storedReports } from "../../support/stored.ts";

async function setup() {
  const server = createTestServer();
  const alice = await newUser(server);
  const bob = await newUser(server);
  const roomId = await createRoom(server, alice, { preset: "public_chat" });
  return { server, alice, bob, roomId };
}

describe("POST /rooms/{roomId}/report/{eventId}", () => {
  test("a member reports an event they can see; the report is kept with reason and score", async () => {
    const { server, alice, bob, roomId } = await setup();
    await join(server, bob, roomId);
    const eventId = await sendMessage(server, alice, roomId, "rude");
    const res = await server.post(
      roomPath(roomId, `/report/${encodeURIComponent(eventId)}`),
      { reason: "rude", score: -100 },
      { token: bob.access_token },
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({});
    expect(storedReports(server)).toEqual([
      expect.objectContaining({
        reporter: bob.user_id,
        room_id: roomId,
        event_id: eventId,
        user_id: null,
        reason: "rude",
        score: -100,
      }),
    ]);
    // Both fields are optional.
    expect(
      (await server.post(roomPath(roomId, `/report/${encodeURIComponent(eventId)}`), {}, { token: bob.access_token }))
        .status,
    ).toBe(200);
  });

  test("a score outside -100..0 (1e308 found by the fuzzer) is 400 M_BAD_JSON and nothing is stored", async () => {
    const { server, alice, bob, roomId } = await setup();
    await join(server, bob, roomId);
    const eventId = await sendMessage(server, alice, roomId, "rude");
    for (const score of [1e308, -1e308, 1, -101]) {
      const res = await server.post(
        roomPath(roomId, `/report/${encodeURIComponent(eventId)}`),
        { score },
        { token: bob.access_token },
      );
      expect([score, res.status, res.body.errcode]).toEqual([score, 400, "M_BAD_JSON"]);
    }
    expect(server.stores.reports.selectReports(0, 10)).toEqual([]);
  });

  test("is 404 M_NOT_FOUND for non-members, unknown events, events of other rooms and events hidden from the reporter", async () => {
    const { server, alice, bob, roomId } = await setup();
    const before = await sendMessage(server, alice, roomId, "before bob");
    const other = await createRoom(server, alice);
    const elsewhere = await sendMessage(server, alice, other);
    const report = (room: string, eventId: string) =>
      server.post(
        roomPath(room, `/report/${encodeURIComponent(eventId)}`),
        { reason: "x" },
        { token: bob.access_token },
      );
    const notJoined = await report(roomId, before);
    expect(notJoined.status).toBe(404);
    expect(notJoined.body.errcode).toBe("M_NOT_FOUND");
    await setState(server, alice, roomId, "m.room.history_visibility", "", { history_visibility: "joined" });
    const hidden = await sendMessage(server, alice, roomId, "still before bob");
    await join(server, bob, roomId);
    expect((await report(roomId, hidden)).status).toBe(404);
    expect((await report(roomId, "$unknown")).status).toBe(404);
    expect((await report(roomId, elsewhere)).status).toBe(404);
    expect(storedReports(server)).toEqual([]);
  });
});

describe("POST /rooms/{roomId}/report", () => {
  test("anyone may report a known room; unknown rooms are 404", async () => {
    const { server, bob, roomId } = await setup();
    const res = await server.post(roomPath(roomId, "/report"), { reason: "spam room" }, { token: bob.access_token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({});
    expect(storedReports(server)[0]).toMatchObject({
      reporter: bob.user_id,
      room_id: roomId,
      event_id: null,
      reason: "spam room",
    });
    const unknown = await server.post(
      roomPath("!nowhere:test.local", "/report"),
      { reason: "?" },
      { token: bob.access_token },
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body.errcode).toBe("M_NOT_FOUND");
    expect((await server.post(roomPath(roomId, "/report"), {}, { token: bob.access_token })).body.errcode).toBe(
      "M_MISSING_PARAM",
    );
  });
});

describe("POST /users/{userId}/report", () => {
  test("reports a user; unknown local users are 404, users of other servers are taken on trust", async () => {
    const { server, alice, bob } = await setup();
    const path = (userId: string) => `${V3}/users/${encodeURIComponent(userId)}/report`;
    expect((await server.post(path(alice.user_id), { reason: "" }, { token: bob.access_token })).status).toBe(200);
    expect(
      (await server.post(path("@far:other.example"), { reason: "spam" }, { token: bob.access_token })).status,
    ).toBe(200);
    const unknown = await server.post(path("@ghost:test.local"), { reason: "?" }, { token: bob.access_token });
    expect(unknown.status).toBe(404);
    expect(unknown.body.errcode).toBe("M_NOT_FOUND");
    expect(storedReports(server).map((report) => report.user_id)).toEqual([alice.user_id, "@far:other.example"]);
    expect((await server.post(path(alice.user_id), { reason: "x" })).body.errcode).toBe("M_MISSING_TOKEN");
  });
});
