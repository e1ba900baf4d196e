import { describe, expect, test } from "bun:test";
import { createUser, pathId } from "../../support/fixtures.ts";
import { createTestServer } from "../../support/server.ts";

const ROOM = "!room:test.local";
const tagsPath = (userId: string, roomId = ROOM) =>
  `/_matrix/client/v3/user/${pathId(userId)}/rooms/${encodeURIComponent(roomId)}/tags`;

describe("room tags", () => {
  test("are added, listed, updated and removed", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const token = user.access_token;
    expect((await server.get(tagsPath(user.user_id), { token })).body).toEqual({ tags: {} });
    expect((await server.put(`${tagsPath(user.user_id)}/m.favourite`, { order: 0.25 }, { token })).status).toBe(200);
    await server.put(`${tagsPath(user.user_id)}/u.work`, {}, { token });
    expect((await server.get(tagsPath(user.user_id), { token })).body).toEqual({
      tags: { "m.favourite": { order: 0.25 }, "u.work": {} },
    });
    await server.put(`${tagsPath(user.user_id)}/m.favourite`, { order: 0.5 }, { token });
    expect((await server.request("DELETE", `${tagsPath(user.user_id)}/u.work`, { token })).status).toBe(200);
    expect((await server.get(tagsPath(user.user_id), { token })).body).toEqual({
      tags: { "m.favourite": { order: 0.5 } },
    });
    // Tags are the room's m.tag account data, which /sync delivers.
    const roomData = await server.get(
      `/_matrix/client/v3/user/${pathId(user.user_id)}/rooms/${encodeURIComponent(ROOM)}/account_data/m.tag`,
      { token },
    );
    expect(roomData.body).toEqual({ tags: { "m.favourite": { order: 0.5 } } });
  });

  test("removing an absent tag succeeds", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    expect(
      (await server.request("DELETE", `${tagsPath(user.user_id)}/u.none`, { token: user.access_token })).status,
    ).toBe(200);
  });

  test("refuses other users, bad room ids and a non-numeric order", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const other = await createUser(server);
    const token = user.access_token;
    expect((await server.get(tagsPath(other.user_id), { token })).body.errcode).toBe("M_FORBIDDEN");
    expect((await server.put(`${tagsPath(other.user_id)}/u.x`, {}, { token })).status).toBe(403);
    expect((await server.get(tagsPath(user.user_id, "room"), { token })).body.errcode).toBe("M_INVALID_PARAM");
    expect((await server.put(`${tagsPath(user.user_id)}/u.x`, { order: "first" }, { token })).body.errcode).toBe(
      "M_BAD_JSON",
    );
  });
});
