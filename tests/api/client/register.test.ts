import { describe, expect, test } from "bun:test";
import { createUser, pathId } from "../../support/fixtures.ts";
import { createTestServer } from "../../support/server.ts";
import { storedAccountCount, storedDevices } from "../../support/stored.ts";

const REGISTER = "/_matrix/client/v3/register";

describe("POST /register", () => {
  test("closed registration answers 403 M_FORBIDDEN, token or not", async () => {
    for (const overrides of [{}, { registration_token: "letmein" }]) {
      const server = createTestServer(overrides);
      const res = await server.post(REGISTER, { username: "alice", password: "pw" });
      expect(res.status).toBe(403);
      expect(res.body.errcode).toBe("M_FORBIDDEN");
    }
  });

  test("open registration starts user-interactive auth with m.login.dummy and no errcode", async () => {
    const server = createTestServer({ allow_registration: true });
    const res = await server.post(REGISTER, { username: "alice", password: "pw" });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      flows: [{ stages: ["m.login.dummy"] }],
      params: {},
      session: expect.any(String),
      completed: [],
    });
  });

  test("completing m.login.dummy registers, logs in and sets the display name to the localpart", async () => {
    const server = createTestServer({ allow_registration: true });
    const first = await server.post(REGISTER, { username: "alice", password: "pw" });
    const res = await server.post(REGISTER, {
      username: "alice",
      password: "pw",
      auth: { type: "m.login.dummy", session: first.body.session },
    });
    expect(res.status).toBe(200);
    const { user_id, access_token, device_id, refresh_token } = res.body;
    expect(user_id).toBe("@alice:test.local");
    expect(typeof access_token).toBe("string");
    expect(typeof device_id).toBe("string");
    expect(refresh_token).toBeUndefined();
    const whoami = await server.get("/_matrix/client/v3/account/whoami", { token: access_token });
    expect(whoami.body).toEqual({ user_id: "@alice:test.local", device_id, is_guest: false });
    expect((await server.get(`/_matrix/client/v3/profile/${pathId("@alice:test.local")}`)).body).toEqual({
      displayname: "alice",
    });
  });

  test("a stage may be submitted without a prior session", async () => {
    const server = createTestServer({ allow_registration: true });
    const res = await server.post(REGISTER, { username: "bob", password: "pw", auth: { type: "m.login.dummy" } });
    expect(res.status).toBe(200);
    expect(res.body.user_id).toBe("@bob:test.local");
  });

  test("with registration_token set, the token stage is required and a wrong token fails the stage with 401", async () => {
    const server = createTestServer({ allow_registration: true, registration_token: "letmein" });
    const first = await server.post(REGISTER, { username: "alice", password: "pw" });
    expect(first.body.flows).toEqual([{ stages: ["m.login.registration_token"] }]);
    const session = first.body.session;

    const dummy = await server.post(REGISTER, {
      username: "alice",
      password: "pw",
      auth: { type: "m.login.dummy", session },
    });
    expect(dummy.status).toBe(401);
    expect(dummy.body.errcode).toBe("M_UNRECOGNIZED");

    const wrong = await server.post(REGISTER, {
      username: "alice",
      password: "pw",
      auth: { type: "m.login.registration_token", token: "nope", session },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ errcode: "M_UNAUTHORIZED", session, completed: [], flows: first.body.flows });

    const right = await server.post(REGISTER, {
      username: "alice",
      password: "pw",
      auth: { type: "m.login.registration_token", token: "letmein", session },
    });
    expect(right.status).toBe(200);
    expect(right.body.user_id).toBe("@alice:test.local");
  });

  test("a completed stage is remembered in its session when the request then fails", async () => {
    const server = createTestServer({ allow_registration: true, registration_token: "letmein" });
    const first = await server.post(REGISTER, { username: "carol" });
    const session = first.body.session;
    const noPassword = await server.post(REGISTER, {
      username: "carol",
      auth: { type: "m.login.registration_token", token: "letmein", session },
    });
    expect(noPassword.status).toBe(400);
    expect(noPassword.body.errcode).toBe("M_MISSING_PARAM");
    // The token stage is not asked for again: the session alone completes the flow.
    const res = await server.post(REGISTER, { username: "carol", password: "pw", auth: { session } });
    expect(res.status).toBe(200);
  });

  test("a session ends with the registration it authorised", async () => {
    const server = createTestServer({ allow_registration: true });
    const first = await server.post(REGISTER, { username: "dave", password: "pw" });
    const auth = { type: "m.login.dummy", session: first.body.session };
    expect((await server.post(REGISTER, { username: "dave", password: "pw", auth })).status).toBe(200);
    const again = await server.post(REGISTER, { username: "dave2", password: "pw", auth });
    expect(again.status).toBe(400);
    expect(again.body.errcode).toBe("M_UNKNOWN");
  });

  test("an unknown session is refused with 400 M_UNKNOWN", async () => {
    const server = createTestServer({ allow_registration: true });
    const res = await server.post(REGISTER, {
      username: "erin",
      password: "pw",
      auth: { type: "m.login.dummy", session: "nonsense" },
    });
    expect(res.status).toBe(400);
    expect(res.body.errcode).toBe("M_UNKNOWN");
  });

  test("invalid and taken usernames are refused before auth starts", async () => {
    const server = createTestServer({ allow_registration: true });
    await createUser(server, "taken");
    const invalid = await server.post(REGISTER, { username: "no spaces!", password: "pw" });
    expect(invalid.status).toBe(400);
    expect(invalid.body).toEqual({ errcode: "M_INVALID_USERNAME", error: expect.any(String) });
    const taken = await server.post(REGISTER, { username: "taken", password: "pw" });
    expect(taken.status).toBe(400);
    expect(taken.body.errcode).toBe("M_USER_IN_USE");
    const tooLong = await server.post(REGISTER, { username: "a".repeat(260), password: "pw" });
    expect(tooLong.body.errcode).toBe("M_INVALID_USERNAME");
  });

  test("upper-case usernames map to lower-case localparts", async () => {
    const server = createTestServer({ allow_registration: true });
    const res = await server.post(REGISTER, { username: "Frank", password: "pw", auth: { type: "m.login.dummy" } });
    expect(res.body.user_id).toBe("@frank:test.local");
  });

  test("without a username a localpart is generated", async () => {
    const server = createTestServer({ allow_registration: true });
    const res = await server.post(REGISTER, { password: "pw", auth: { type: "m.login.dummy" } });
    expect(res.status).toBe(200);
    expect(res.body.user_id).toMatch(/^@[a-z0-9]{12}:test\.local$/);
  });

  test("a password is required once auth is complete", async () => {
    const server = createTestServer({ allow_registration: true });
    const res = await server.post(REGISTER, { username: "gina", auth: { type: "m.login.dummy" } });
    expect(res.status).toBe(400);
    expect(res.body.errcode).toBe("M_MISSING_PARAM");
  });

  test("inhibit_login returns only the user id", async () => {
    const server = createTestServer({ allow_registration: true });
    const res = await server.post(REGISTER, {
      username: "hank",
      password: "pw",
      inhibit_login: true,
      auth: { type: "m.login.dummy" },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ user_id: "@hank:test.local", home_server: "test.local" });
    expect(storedDevices(server, "@hank:test.local")).toEqual([]);
  });

  test("device_id and initial_device_display_name are used", async () => {
    const server = createTestServer({ allow_registration: true });
    const res = await server.post(REGISTER, {
      username: "ivy",
      password: "pw",
      device_id: "MYPHONE",
      initial_device_display_name: "Ivy's phone",
      auth: { type: "m.login.dummy" },
    });
    expect(res.body.device_id).toBe("MYPHONE");
    const device = await server.get("/_matrix/client/v3/devices/MYPHONE", { token: res.body.access_token });
    expect(device.body).toMatchObject({ device_id: "MYPHONE", display_name: "Ivy's phone" });
  });

  test("refresh_token: true gets an expiring access token and a refresh token", async () => {
    const server = createTestServer({ allow_registration: true, refreshable_access_token_lifetime: 60_000 });
    const res = await server.post(REGISTER, {
      username: "jack",
      password: "pw",
      refresh_token: true,
      auth: { type: "m.login.dummy" },
    });
    expect(res.body).toMatchObject({ refresh_token: expect.any(String), expires_in_ms: 60_000 });
  });

  test("bad input gets Matrix errors", async () => {
    const server = createTestServer({ allow_registration: true });
    expect((await server.post(`${REGISTER}?kind=robot`, {})).body.errcode).toBe("M_INVALID_PARAM");
    expect((await server.post(REGISTER, { username: 5 })).body.errcode).toBe("M_BAD_JSON");
    expect((await server.request("POST", REGISTER, { raw: "[1]" })).body.errcode).toBe("M_NOT_JSON");
    expect((await server.request("POST", REGISTER, { raw: "{" })).body.errcode).toBe("M_NOT_JSON");
  });
});

describe("guest registration", () => {
  test("is refused unless allow_guest_registration", async () => {
    const server = createTestServer({ allow_registration: true });
    const res = await server.post(`${REGISTER}?kind=guest`, {});
    expect(res.status).toBe(403);
    expect(res.body.errcode).toBe("M_FORBIDDEN");
  });

  test("needs no auth, ignores the chosen username and device, and gives restricted access", async () => {
    const server = createTestServer({ allow_guest_registration: true });
    const res = await server.post(`${REGISTER}?kind=guest`, {
      username: "wanted",
      device_id: "MINE",
      initial_device_display_name: "Guest tab",
    });
    expect(res.status).toBe(200);
    expect(res.body.user_id).not.toBe("@wanted:test.local");
    expect(res.body.device_id).not.toBe("MINE");
    const token = res.body.access_token;
    expect((await server.get("/_matrix/client/v3/account/whoami", { token })).body.is_guest).toBe(true);
    expect((await server.get(`/_matrix/client/v3/devices/${res.body.device_id}`, { token })).body.display_name).toBe(
      "Guest tab",
    );
    const refused = await server.get("/_matrix/client/v3/account/3pid", { token });
    expect(refused.status).toBe(403);
    expect(refused.body.errcode).toBe("M_GUEST_ACCESS_FORBIDDEN");
    expect(
      (await server.post("/_matrix/client/v3/user_directory/search", { search_term: "x" }, { token })).body.errcode,
    ).toBe("M_GUEST_ACCESS_FORBIDDEN");
  });
});

describe("guest upgrade (POST /register with guest_access_token)", () => {
  const WHOAMI = "/_matrix/client/v3/account/whoami";
  async function guestOn(server: ReturnType<typeof createTestServer>) {
    const res = await server.post(`${REGISTER}?kind=guest`, {});
    expect(res.status).toBe(200);
    return res.body as { user_id: string; device_id: string; access_token: string };
  }
  const localpartOf = (userId: string) => userId.slice(1).split(":")[0]!;
  /** The upgrade request, through the m.login.dummy stage. */
  async function upgrade(server: ReturnType<typeof createTestServer>, body: Record<string, unknown>) {
    const first = await server.post(REGISTER, body);
    if (first.status !== 401) return first;
    return server.post(REGISTER, { ...body, auth: { type: "m.login.dummy", session: first.body.session } });
  }

  test("the guest keeps its id and profile, gets a password and a new device, and its old token turns into a full user's", async () => {
    const server = createTestServer({ allow_registration: true, allow_guest_registration: true });
    const guest = await guestOn(server);
    await server.put(
      `/_matrix/client/v3/profile/${pathId(guest.user_id)}/displayname`,
      { displayname: "Visitor" },
      { token: guest.access_token },
    );
    expect((await server.get(WHOAMI, { token: guest.access_token })).body.is_guest).toBe(true);

    const body = {
      guest_access_token: guest.access_token,
      username: localpartOf(guest.user_id),
      password: "now a member",
    };
    const challenge = await server.post(REGISTER, body);
    expect(challenge.status).toBe(401);
    expect(challenge.body.flows).toEqual([{ stages: ["m.login.dummy"] }]);
    const res = await server.post(REGISTER, {
      ...body,
      auth: { type: "m.login.dummy", session: challenge.body.session },
    });
    expect(res.status).toBe(200);
    expect(res.body.user_id).toBe(guest.user_id);
    expect(res.body.device_id).not.toBe(guest.device_id);

    expect((await server.get(WHOAMI, { token: res.body.access_token })).body).toEqual({
      user_id: guest.user_id,
      device_id: res.body.device_id,
      is_guest: false,
    });
    // The guest's token was cached as a guest's: the very next request sees the full user.
    expect((await server.get(WHOAMI, { token: guest.access_token })).body.is_guest).toBe(false);
    expect((await server.get(`/_matrix/client/v3/profile/${pathId(guest.user_id)}/displayname`)).body.displayname).toBe(
      "Visitor",
    );
    const login = await server.post("/_matrix/client/v3/login", {
      type: "m.login.password",
      user: guest.user_id,
      password: "now a member",
    });
    expect(login.status).toBe(200);
    expect((await upgrade(server, body)).status).toBe(403);
  });

  test("with the guest's device_id the device is kept and its guest token replaced", async () => {
    const server = createTestServer({ allow_registration: true, allow_guest_registration: true });
    const guest = await guestOn(server);
    const res = await upgrade(server, {
      guest_access_token: guest.access_token,
      username: localpartOf(guest.user_id),
      password: "pw",
      device_id: guest.device_id,
    });
    expect([res.status, res.body.device_id]).toEqual([200, guest.device_id]);
    expect((await server.get(WHOAMI, { token: guest.access_token })).status).toBe(401);
    expect((await server.get(WHOAMI, { token: res.body.access_token })).body.is_guest).toBe(false);
  });

  test("needs open registration, the guest's own localpart and a guest's valid token", async () => {
    const closed = createTestServer({ allow_guest_registration: true });
    const stranded = await guestOn(closed);
    expect(
      (
        await upgrade(closed, {
          guest_access_token: stranded.access_token,
          username: localpartOf(stranded.user_id),
          password: "pw",
        })
      ).status,
    ).toBe(403);

    const server = createTestServer({ allow_registration: true, allow_guest_registration: true });
    const guest = await guestOn(server);
    const member = await createUser(server);
    const cases: [Record<string, unknown>, number, string][] = [
      [{ guest_access_token: guest.access_token, password: "pw" }, 400, "M_MISSING_PARAM"],
      [{ guest_access_token: guest.access_token, username: "someoneelse", password: "pw" }, 403, "M_FORBIDDEN"],
      [
        { guest_access_token: member.access_token, username: localpartOf(member.user_id), password: "pw" },
        403,
        "M_FORBIDDEN",
      ],
      [
        { guest_access_token: "mat_nonsense", username: localpartOf(guest.user_id), password: "pw" },
        401,
        "M_UNKNOWN_TOKEN",
      ],
    ];
    for (const [body, status, errcode] of cases) {
      const res = await upgrade(server, body);
      expect([res.status, res.body.errcode]).toEqual([status, errcode]);
    }
    expect((await server.get(WHOAMI, { token: guest.access_token })).body.is_guest).toBe(true);
  });
});

describe("GET /register/available", () => {
  test("answers available for a free, valid name", async () => {
    const server = createTestServer();
    expect((await server.get("/_matrix/client/v3/register/available?username=newbie")).body).toEqual({
      available: true,
    });
  });

  test("names taken and invalid usernames", async () => {
    const server = createTestServer();
    await createUser(server, "oldtimer");
    const taken = await server.get("/_matrix/client/v3/register/available?username=oldtimer");
    expect(taken.status).toBe(400);
    expect(taken.body.errcode).toBe("M_USER_IN_USE");
    expect((await server.get("/_matrix/client/v3/register/available?username=%F0%9F%98%80")).body.errcode).toBe(
      "M_INVALID_USERNAME",
    );
    expect((await server.get("/_matrix/client/v3/register/available")).body.errcode).toBe("M_MISSING_PARAM");
  });
});

describe("GET /register/m.login.registration_token/validity", () => {
  const VALIDITY = "/_matrix/client/v1/register/m.login.registration_token/validity";

  test("says whether the token is the configured one", async () => {
    const server = createTestServer({ allow_registration: true, registration_token: "letmein" });
    expect((await server.get(`${VALIDITY}?token=letmein`)).body).toEqual({ valid: true });
    expect((await server.get(`${VALIDITY}?token=nope`)).body).toEqual({ valid: false });
    expect((await createTestServer({ allow_registration: true }).get(`${VALIDITY}?token=x`)).body).toEqual({
      valid: false,
    });
  });

  test("answers 403 when registration is closed", async () => {
    const res = await createTestServer({ registration_token: "letmein" }).get(`${VALIDITY}?token=letmein`);
    expect(res.status).toBe(403);
    expect(res.body.errcode).toBe("M_FORBIDDEN");
  });
});

describe("user-interactive auth sessions", () => {
  test("two concurrent requests completing one session create one account", async () => {
    const server = createTestServer({ allow_registration: true });
    const { session } = (await server.post(REGISTER, { password: "pw" })).body;
    const auth = { type: "m.login.dummy", session };
    const results = await Promise.all([
      server.post(REGISTER, { password: "pw", auth }),
      server.post(REGISTER, { password: "pw", auth }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
    expect(storedAccountCount(server)).toBe(1);
  });
});
