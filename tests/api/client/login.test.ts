import { describe, expect, test } from "bun:test";
import { createUser, deactivateUser, manualClock } from "../../support/fixtures.ts";
import { createTestServer } from "../../support/server.ts";
import { storedDevice, storedDevices } from "../../support/stored.ts";

const LOGIN = "/_matrix/client/v3/login";
const WHOAMI = "/_matrix/client/v3/account/whoami";

const passwordLogin = (user: string, password = "correct horse", extra: Record<string, unknown> = {}) => ({
  type: "m.login.password",
  identifier: { type: "m.id.user", user },
  password,
  ...extra,
});

describe("GET /login", () => {
  test("offers m.login.password and m.login.application_service", async () => {
    expect((await createTestServer().get(LOGIN)).body).toEqual({
      flows: [{ type: "m.login.password" }, { type: "m.login.application_service" }],
    });
  });
});

describe("POST /login", () => {
  test("logs in by localpart, full user id, upper-case name or the legacy user field", async () => {
    const server = createTestServer();
    await createUser(server, "alice");
    for (const body of [
      passwordLogin("alice"),
      passwordLogin("@alice:test.local"),
      passwordLogin("Alice"),
      { type: "m.login.password", user: "alice", password: "correct horse" },
    ]) {
      const res = await server.post(LOGIN, body);
      expect(res.status).toBe(200);
      expect(res.body.user_id).toBe("@alice:test.local");
      expect(res.body.home_server).toBe("test.local");
      expect(res.body.well_known).toBeUndefined();
      const whoami = await server.get(WHOAMI, { token: res.body.access_token });
      expect(whoami.body.device_id).toBe(res.body.device_id);
    }
    expect(storedDevices(server, "@alice:test.local").length).toBeGreaterThanOrEqual(4);
  });

  test("a wrong password and an unknown user get the same 403", async () => {
    const server = createTestServer();
    await createUser(server, "alice");
    const wrong = await server.post(LOGIN, passwordLogin("alice", "wrong"));
    const unknown = await server.post(LOGIN, passwordLogin("nobody"));
    const otherServer = await server.post(LOGIN, passwordLogin("@alice:elsewhere.org"));
    expect(wrong.status).toBe(403);
    expect(wrong.body).toEqual({ errcode: "M_FORBIDDEN", error: "Invalid username or password" });
    expect(unknown.body).toEqual(wrong.body);
    expect(otherServer.body).toEqual(wrong.body);
  });

  test("a deactivated user cannot log in", async () => {
    const server = createTestServer();
    const user = await createUser(server, "gone");
    deactivateUser(server, user);
    const res = await server.post(LOGIN, passwordLogin("gone"));
    expect(res.status).toBe(403);
    expect(res.body.errcode).toBe("M_FORBIDDEN");
  });

  test("third-party identifiers name nobody: 403", async () => {
    const server = createTestServer();
    const res = await server.post(LOGIN, {
      type: "m.login.password",
      identifier: { type: "m.id.thirdparty", medium: "email", address: "a@example.org" },
      password: "x",
    });
    expect(res.status).toBe(403);
    expect(res.body.errcode).toBe("M_FORBIDDEN");
  });

  test("unknown login types and malformed requests get 400", async () => {
    const server = createTestServer();
    const token = await server.post(LOGIN, { type: "m.login.token", token: "abc" });
    expect(token.status).toBe(400);
    expect(token.body.errcode).toBe("M_UNKNOWN");
    expect((await server.post(LOGIN, { type: "m.login.password", password: "x" })).body.errcode).toBe(
      "M_MISSING_PARAM",
    );
    expect(
      (await server.post(LOGIN, { type: "m.login.password", identifier: { type: "m.id.user", user: "alice" } })).body
        .errcode,
    ).toBe("M_MISSING_PARAM");
    expect(
      (await server.post(LOGIN, { type: "m.login.password", identifier: { type: "m.id.cat" }, password: "x" })).body
        .errcode,
    ).toBe("M_UNKNOWN");
    expect((await server.post(LOGIN, {})).body.errcode).toBe("M_MISSING_PARAM");
  });

  test("logging in again with a known device_id reuses the device and revokes its old token", async () => {
    const server = createTestServer();
    await createUser(server, "alice");
    const first = await server.post(
      LOGIN,
      passwordLogin("alice", undefined, { device_id: "LAPTOP", initial_device_display_name: "Laptop" }),
    );
    expect(first.body.device_id).toBe("LAPTOP");
    const second = await server.post(
      LOGIN,
      passwordLogin("alice", undefined, { device_id: "LAPTOP", initial_device_display_name: "Ignored" }),
    );
    expect(second.body.device_id).toBe("LAPTOP");
    const old = await server.get(WHOAMI, { token: first.body.access_token });
    expect(old.status).toBe(401);
    expect(old.body.errcode).toBe("M_UNKNOWN_TOKEN");
    const devices = await server.get("/_matrix/client/v3/devices", { token: second.body.access_token });
    expect(devices.body.devices.filter((d: { device_id: string }) => d.device_id === "LAPTOP")).toEqual([
      expect.objectContaining({ device_id: "LAPTOP", display_name: "Laptop" }),
    ]);
  });

  test("includes well_known when well_known.client is configured", async () => {
    const server = createTestServer({ well_known: { client: "https://matrix.example.org" } });
    await createUser(server, "alice");
    const res = await server.post(LOGIN, passwordLogin("alice"));
    expect(res.body.well_known).toEqual({ "m.homeserver": { base_url: "https://matrix.example.org" } });
  });
});

describe("access tokens", () => {
  test("a missing token is 401 M_MISSING_TOKEN, an unknown one 401 M_UNKNOWN_TOKEN", async () => {
    const server = createTestServer();
    const missing = await server.get(WHOAMI);
    expect(missing.status).toBe(401);
    expect(missing.body.errcode).toBe("M_MISSING_TOKEN");
    const unknown = await server.get(WHOAMI, { token: "mat_nope" });
    expect(unknown.status).toBe(401);
    expect(unknown.body).toMatchObject({ errcode: "M_UNKNOWN_TOKEN", soft_logout: false });
  });

  test("the access_token query parameter works like the header", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const res = await server.get(`${WHOAMI}?access_token=${encodeURIComponent(user.access_token)}`);
    expect(res.body.user_id).toBe(user.user_id);
  });
});

describe("POST /logout and /logout/all", () => {
  test("logout kills the token and deletes the device", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const res = await server.post("/_matrix/client/v3/logout", {}, { token: user.access_token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({});
    expect((await server.get(WHOAMI, { token: user.access_token })).body.errcode).toBe("M_UNKNOWN_TOKEN");
    expect(storedDevice(server, user)).toBeNull();
  });

  test("logout/all kills every token of the user and no one else's", async () => {
    const server = createTestServer();
    await createUser(server, "alice");
    const bob = await createUser(server, "bob");
    const a = await server.post(LOGIN, passwordLogin("alice"));
    const b = await server.post(LOGIN, passwordLogin("alice"));
    expect((await server.post("/_matrix/client/v3/logout/all", {}, { token: a.body.access_token })).status).toBe(200);
    expect((await server.get(WHOAMI, { token: a.body.access_token })).status).toBe(401);
    expect((await server.get(WHOAMI, { token: b.body.access_token })).status).toBe(401);
    expect(storedDevices(server, "@alice:test.local")).toEqual([]);
    expect((await server.get(WHOAMI, { token: bob.access_token })).status).toBe(200);
  });

  test("logout without a token is 401", async () => {
    expect((await createTestServer().post("/_matrix/client/v3/logout", {})).body.errcode).toBe("M_MISSING_TOKEN");
  });
});

describe("refresh tokens", () => {
  async function refreshableLogin() {
    const clock = manualClock();
    const server = createTestServer({ refreshable_access_token_lifetime: 60_000 }, { clock });
    await createUser(server, "alice");
    const login = await server.post(LOGIN, passwordLogin("alice", undefined, { refresh_token: true }));
    return {
      server,
      clock,
      login: login.body as { access_token: string; refresh_token: string; expires_in_ms: number; device_id: string },
    };
  }

  test("an expiring access token is soft-logged-out when it expires, and refreshing gives a working one", async () => {
    const { server, clock, login } = await refreshableLogin();
    expect(login.expires_in_ms).toBe(60_000);
    expect((await server.get(WHOAMI, { token: login.access_token })).status).toBe(200);
    clock.advance(60_000);
    const expired = await server.get(WHOAMI, { token: login.access_token });
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({ errcode: "M_UNKNOWN_TOKEN", soft_logout: true });

    const refreshed = await server.post("/_matrix/client/v3/refresh", { refresh_token: login.refresh_token });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.expires_in_ms).toBe(60_000);
    expect(refreshed.body.refresh_token).not.toBe(login.refresh_token);
    const whoami = await server.get(WHOAMI, { token: refreshed.body.access_token });
    expect(whoami.body.device_id).toBe(login.device_id);
  });

  test("the old refresh token works until the new tokens are used, then it is spent", async () => {
    const { server, login } = await refreshableLogin();
    const lost = await server.post("/_matrix/client/v3/refresh", { refresh_token: login.refresh_token });
    // The client never saw `lost` and repeats the refresh with the old token.
    const retried = await server.post("/_matrix/client/v3/refresh", { refresh_token: login.refresh_token });
    expect(retried.status).toBe(200);
    expect((await server.get(WHOAMI, { token: lost.body.access_token })).status).toBe(401);
    expect((await server.post("/_matrix/client/v3/refresh", { refresh_token: lost.body.refresh_token })).status).toBe(
      401,
    );
    // The old access token died at the first refresh.
    expect((await server.get(WHOAMI, { token: login.access_token })).status).toBe(401);

    expect((await server.get(WHOAMI, { token: retried.body.access_token })).status).toBe(200);
    const spent = await server.post("/_matrix/client/v3/refresh", { refresh_token: login.refresh_token });
    expect(spent.status).toBe(401);
    expect(spent.body.errcode).toBe("M_UNKNOWN_TOKEN");
  });

  test("using the new refresh token also spends the old one", async () => {
    const { server, login } = await refreshableLogin();
    const first = await server.post("/_matrix/client/v3/refresh", { refresh_token: login.refresh_token });
    expect((await server.post("/_matrix/client/v3/refresh", { refresh_token: first.body.refresh_token })).status).toBe(
      200,
    );
    expect((await server.post("/_matrix/client/v3/refresh", { refresh_token: login.refresh_token })).status).toBe(401);
  });

  test("an unknown refresh token is 401 M_UNKNOWN_TOKEN; a missing one 400", async () => {
    const server = createTestServer();
    const res = await server.post("/_matrix/client/v3/refresh", { refresh_token: "mar_nope" });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ errcode: "M_UNKNOWN_TOKEN", soft_logout: false });
    expect((await server.post("/_matrix/client/v3/refresh", {})).body.errcode).toBe("M_MISSING_PARAM");
  });

  test("logging out ends the refresh token too", async () => {
    const { server, login } = await refreshableLogin();
    await server.post("/_matrix/client/v3/logout", {}, { token: login.access_token });
    expect((await server.post("/_matrix/client/v3/refresh", { refresh_token: login.refresh_token })).status).toBe(401);
  });
});
