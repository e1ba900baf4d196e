import { describe, expect, test } from "bun:test";
import { createUser, pathId } from "../../support/fixtures.ts";
import { createTestServer } from "../../support/server.ts";

const profile = (userId: string, key?: string) => `/_matrix/client/v3/profile/${pathId(userId)}${key ? `/${key}` : ""}`;

describe("GET /profile/{userId}", () => {
  test("a new user's display name is the localpart", async () => {
    const server = createTestServer();
    const user = await createUser(server, "alice");
    const res = await server.get(profile(user.user_id));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ displayname: "alice" });
    expect((await server.get(profile(user.user_id, "displayname"))).body).toEqual({ displayname: "alice" });
  });

  test("unknown, remote and unset answer 404 M_NOT_FOUND", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    for (const path of [
      profile("@nobody:test.local"),
      profile("@alice:elsewhere.org"),
      profile(user.user_id, "avatar_url"),
    ]) {
      const res = await server.get(path);
      expect([path, res.status, res.body.errcode]).toEqual([path, 404, "M_NOT_FOUND"]);
    }
  });

  test("malformed user ids and keys are 400 M_INVALID_PARAM", async () => {
    const server = createTestServer();
    expect((await server.get("/_matrix/client/v3/profile/alice")).body.errcode).toBe("M_INVALID_PARAM");
    expect((await server.get(profile("@bad", ""))).body.errcode).toBe("M_INVALID_PARAM");
    const user = await createUser(server);
    expect((await server.get(profile(user.user_id, "Not-A-Key"))).body.errcode).toBe("M_INVALID_PARAM");
  });
});

describe("PUT /profile/{userId}/{keyName}", () => {
  test("sets the display name, avatar, time zone and custom fields, and tells the listeners", async () => {
    const server = createTestServer();
    const user = await createUser(server, "bea");
    const changes: [string, string, unknown][] = [];
    server.services.signals.profileChanged.subscribe(({ user_id: userId, field, value }) =>
      changes.push([userId, field, value]),
    );
    const token = user.access_token;
    expect((await server.put(profile(user.user_id, "displayname"), { displayname: "Beatrix" }, { token })).status).toBe(
      200,
    );
    expect(
      (await server.put(profile(user.user_id, "avatar_url"), { avatar_url: "mxc://test.local/abc" }, { token })).status,
    ).toBe(200);
    expect((await server.put(profile(user.user_id, "m.tz"), { "m.tz": "Europe/Berlin" }, { token })).status).toBe(200);
    expect(
      (
        await server.put(
          profile(user.user_id, "org.example.pronouns"),
          { "org.example.pronouns": ["she", "her"] },
          { token },
        )
      ).status,
    ).toBe(200);
    expect((await server.get(profile(user.user_id))).body).toEqual({
      displayname: "Beatrix",
      avatar_url: "mxc://test.local/abc",
      "m.tz": "Europe/Berlin",
      "org.example.pronouns": ["she", "her"],
    });
    expect(changes[0]).toEqual([user.user_id, "displayname", "Beatrix"]);
    expect(changes.length).toBe(4);
  });

  test("an empty display name removes it", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    await server.put(profile(user.user_id, "displayname"), { displayname: "" }, { token: user.access_token });
    expect((await server.get(profile(user.user_id))).body).toEqual({});
  });

  test("another user's profile is 403 M_FORBIDDEN", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const other = await createUser(server);
    const res = await server.put(
      profile(other.user_id, "displayname"),
      { displayname: "Hacked" },
      { token: user.access_token },
    );
    expect(res.status).toBe(403);
    expect(res.body.errcode).toBe("M_FORBIDDEN");
    expect(
      (await server.request("DELETE", profile(other.user_id, "displayname"), { token: user.access_token })).status,
    ).toBe(403);
  });

  test("bad values get 400s", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const token = user.access_token;
    const put = (key: string, body: unknown) => server.put(profile(user.user_id, key), body, { token });
    expect((await put("displayname", {})).body.errcode).toBe("M_MISSING_PARAM");
    expect((await put("displayname", { displayname: 5 })).body.errcode).toBe("M_INVALID_PARAM");
    expect((await put("displayname", { displayname: "x".repeat(300) })).body.errcode).toBe("M_INVALID_PARAM");
    expect((await put("avatar_url", { avatar_url: "https://example.org/a.png" })).body.errcode).toBe("M_INVALID_PARAM");
    expect((await put("org.example.big", { "org.example.big": "x".repeat(70_000) })).body.errcode).toBe(
      "M_PROFILE_TOO_LARGE",
    );
    expect((await put(`org.${"k".repeat(260)}`, { [`org.${"k".repeat(260)}`]: 1 })).body.errcode).toBe(
      "M_KEY_TOO_LARGE",
    );
    expect((await server.request("PUT", profile(user.user_id, "displayname"), { token, raw: "[]" })).body.errcode).toBe(
      "M_NOT_JSON",
    );
    expect((await server.put(profile(user.user_id, "displayname"), { displayname: "x" })).body.errcode).toBe(
      "M_MISSING_TOKEN",
    );
  });

  test("guests may change only their display name", async () => {
    const server = createTestServer({ allow_guest_registration: true });
    const guest = (await server.post("/_matrix/client/v3/register?kind=guest", {})).body;
    const token = guest.access_token;
    expect(
      (await server.put(profile(guest.user_id, "displayname"), { displayname: "Visitor" }, { token })).status,
    ).toBe(200);
    const avatar = await server.put(
      profile(guest.user_id, "avatar_url"),
      { avatar_url: "mxc://test.local/x" },
      { token },
    );
    expect(avatar.status).toBe(403);
    expect(avatar.body.errcode).toBe("M_GUEST_ACCESS_FORBIDDEN");
  });
});

describe("DELETE /profile/{userId}/{keyName}", () => {
  test("removes a field; removing an absent field is fine", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const token = user.access_token;
    expect((await server.request("DELETE", profile(user.user_id, "displayname"), { token })).status).toBe(200);
    expect((await server.request("DELETE", profile(user.user_id, "displayname"), { token })).status).toBe(200);
    expect((await server.get(profile(user.user_id, "displayname"))).status).toBe(404);
  });
});
