import { describe, expect, test } from "bun:test";
import { createUser, pathId } from "../../support/fixtures.ts";
import { createTestServer } from "../../support/server.ts";

const filterPath = (userId: string) => `/_matrix/client/v3/user/${pathId(userId)}/filter`;

// The example of the spec's POST /user/{userId}/filter.
const SPEC_EXAMPLE = {
  room: {
    state: { types: ["m.room.*"], not_rooms: ["!726s6s6q:example.com"] },
    timeline: {
      limit: 10,
      types: ["m.room.message"],
      not_rooms: ["!726s6s6q:example.com"],
      not_senders: ["@spam:example.com"],
    },
    ephemeral: {
      types: ["m.receipt", "m.typing"],
      not_rooms: ["!726s6s6q:example.com"],
      not_senders: ["@spam:example.com"],
    },
  },
  presence: { types: ["m.presence"], not_senders: ["@alice:example.com"] },
  event_format: "client",
  event_fields: ["type", "content", "sender"],
};

describe("filters", () => {
  test("a filter is stored and read back as uploaded, unknown keys included", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const filter = {
      ...SPEC_EXAMPLE,
      "org.example.unstable": true,
      room: { ...SPEC_EXAMPLE.room, timeline: { ...SPEC_EXAMPLE.room.timeline, "org.matrix.msc": 1 } },
    };
    const res = await server.post(filterPath(user.user_id), filter, { token: user.access_token });
    expect(res.status).toBe(200);
    expect(res.body.filter_id).toMatch(/^[^{]/);
    const back = await server.get(`${filterPath(user.user_id)}/${res.body.filter_id}`, { token: user.access_token });
    expect(back.status).toBe(200);
    expect(back.body).toEqual(filter);
  });

  test("an identical upload gets the same id; another filter another id", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const token = user.access_token;
    const a = await server.post(filterPath(user.user_id), { room: { timeline: { limit: 5 } } }, { token });
    const b = await server.post(filterPath(user.user_id), { room: { timeline: { limit: 5 } } }, { token });
    const c = await server.post(filterPath(user.user_id), {}, { token });
    expect(b.body.filter_id).toBe(a.body.filter_id);
    expect(c.body.filter_id).not.toBe(a.body.filter_id);
  });

  test("invalid filters are 400 M_BAD_JSON", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const token = user.access_token;
    for (const filter of [
      { room: { timeline: { limit: "ten" } } },
      { room: { timeline: { limit: 1.5 } } },
      { event_format: "xml" },
      { room: { rooms: ["not-a-room"] } },
      { presence: { senders: ["alice"] } },
      { room: { include_leave: "yes" } },
      { event_fields: "type" },
    ]) {
      const res = await server.post(filterPath(user.user_id), filter, { token });
      expect([JSON.stringify(filter), res.status, res.body.errcode]).toEqual([
        JSON.stringify(filter),
        400,
        "M_BAD_JSON",
      ]);
    }
  });

  test("other users' filters are 403; unknown ids 404", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const other = await createUser(server);
    const { filter_id } = (await server.post(filterPath(other.user_id), {}, { token: other.access_token })).body;
    expect((await server.post(filterPath(other.user_id), {}, { token: user.access_token })).status).toBe(403);
    const read = await server.get(`${filterPath(other.user_id)}/${filter_id}`, { token: user.access_token });
    expect(read.status).toBe(403);
    expect(read.body.errcode).toBe("M_FORBIDDEN");
    for (const id of ["999", "abc", filter_id]) {
      const res = await server.get(`${filterPath(user.user_id)}/${id}`, { token: user.access_token });
      expect([id, res.status, res.body.errcode]).toEqual([id, 404, "M_NOT_FOUND"]);
    }
  });
});
