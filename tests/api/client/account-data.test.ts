import { describe, expect, test } from "bun:test";
import { createUser, pathId } from "../../support/fixtures.ts";
import { createTestServer } from "../../support/server.ts";
import { accountDataChangedSince, accountDataPosition } from "../../support/streams.ts";

const globalData = (userId: string, type: string) => `/_matrix/client/v3/user/${pathId(userId)}/account_data/${type}`;
const roomData = (userId: string, roomId: string, type: string) =>
  `/_matrix/client/v3/user/${pathId(userId)}/rooms/${encodeURIComponent(roomId)}/account_data/${type}`;

describe("global account data", () => {
  test("is stored and read back; an unknown type is 404 M_NOT_FOUND", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const token = user.access_token;
    expect((await server.get(globalData(user.user_id, "org.example.settings"), { token })).body.errcode).toBe(
      "M_NOT_FOUND",
    );
    const put = await server.put(
      globalData(user.user_id, "org.example.settings"),
      { theme: "dark", nested: { a: [1, 2] } },
      { token },
    );
    expect(put.status).toBe(200);
    expect(put.body).toEqual({});
    const res = await server.get(globalData(user.user_id, "org.example.settings"), { token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ theme: "dark", nested: { a: [1, 2] } });
  });

  test("another user's account data is 403 M_FORBIDDEN both ways", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const other = await createUser(server);
    const put = await server.put(globalData(other.user_id, "m.direct"), {}, { token: user.access_token });
    expect(put.status).toBe(403);
    expect(put.body.errcode).toBe("M_FORBIDDEN");
    expect((await server.get(globalData(other.user_id, "m.direct"), { token: user.access_token })).status).toBe(403);
  });

  test("server-controlled types are 405 M_BAD_JSON", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const res = await server.put(globalData(user.user_id, "m.push_rules"), {}, { token: user.access_token });
    expect(res.status).toBe(405);
    expect(res.body.errcode).toBe("M_BAD_JSON");
  });

  test("a body that is not an object is M_NOT_JSON", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    for (const raw of ["[1, 2]", '"text"', "3", "null"]) {
      const res = await server.request("PUT", globalData(user.user_id, "org.example"), {
        token: user.access_token,
        raw,
      });
      expect([raw, res.status, res.body.errcode]).toEqual([raw, 400, "M_NOT_JSON"]);
    }
  });

  test("every write takes a new, higher stream position", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const heard: number[] = [];
    server.services.signals.accountDataChanged.subscribe(({ position }) => heard.push(position));
    const start = accountDataPosition(server);
    await server.put(globalData(user.user_id, "a.type"), { v: 1 }, { token: user.access_token });
    await server.put(globalData(user.user_id, "b.type"), { v: 1 }, { token: user.access_token });
    await server.put(globalData(user.user_id, "a.type"), { v: 2 }, { token: user.access_token });
    expect(heard).toEqual([start + 1, start + 2, start + 3]);
    const changed = accountDataChangedSince(server, user.user_id, start + 1);
    expect(changed.map((row) => [row.type, JSON.parse(row.content)])).toEqual([
      ["b.type", { v: 1 }],
      ["a.type", { v: 2 }],
    ]);
  });

  test("needs a token and refuses guests", async () => {
    const server = createTestServer({ allow_guest_registration: true });
    expect((await server.get(globalData("@a:test.local", "x"))).body.errcode).toBe("M_MISSING_TOKEN");
    const guest = (await server.post("/_matrix/client/v3/register?kind=guest", {})).body;
    expect((await server.get(globalData(guest.user_id, "x"), { token: guest.access_token })).body.errcode).toBe(
      "M_GUEST_ACCESS_FORBIDDEN",
    );
  });
});

describe("room account data", () => {
  test("is kept per room", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const token = user.access_token;
    await server.put(roomData(user.user_id, "!one:test.local", "org.example"), { n: 1 }, { token });
    await server.put(roomData(user.user_id, `!${"A".repeat(43)}`, "org.example"), { n: 2 }, { token });
    expect((await server.get(roomData(user.user_id, "!one:test.local", "org.example"), { token })).body).toEqual({
      n: 1,
    });
    expect((await server.get(roomData(user.user_id, `!${"A".repeat(43)}`, "org.example"), { token })).body).toEqual({
      n: 2,
    });
    expect((await server.get(globalData(user.user_id, "org.example"), { token })).status).toBe(404);
    expect((await server.get(roomData(user.user_id, "!three:test.local", "org.example"), { token })).body.errcode).toBe(
      "M_NOT_FOUND",
    );
  });

  test("an invalid room id is 400 M_INVALID_PARAM; m.fully_read is 405", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const token = user.access_token;
    const bad = await server.put(roomData(user.user_id, "#alias:test.local", "org.example"), {}, { token });
    expect(bad.status).toBe(400);
    expect(bad.body.errcode).toBe("M_INVALID_PARAM");
    expect((await server.get(roomData(user.user_id, "not a room", "org.example"), { token })).body.errcode).toBe(
      "M_INVALID_PARAM",
    );
    const fullyRead = await server.put(
      roomData(user.user_id, "!r:test.local", "m.fully_read"),
      { event_id: "$e" },
      { token },
    );
    expect(fullyRead.status).toBe(405);
    expect(fullyRead.body.errcode).toBe("M_BAD_JSON");
  });
});
