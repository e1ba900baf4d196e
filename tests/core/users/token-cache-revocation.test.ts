/**
 * Authentication goes through an in-memory cache of tokens (core/users/token-cache.ts). Each
 * test uses a token first, so that it is cached, then revokes it and expects the very next
 * request to fail.
 */
import { describe, expect, test } from "bun:test";
import { openDatabase } from "../../../src/storage/database.ts";
import { createUser, manualClock, passwordAuth, type TestUser } from "../../support/fixtures.ts";
import { createTestServer, tempDir, type TestServer } from "../../support/server.ts";
import { storedDevice } from "../../support/stored.ts";

const LOGIN = "/_matrix/client/v3/login";
const WHOAMI = "/_matrix/client/v3/account/whoami";
const PASSWORD = "correct horse";

const whoami = async (server: TestServer, token: string) => (await server.get(WHOAMI, { token })).status;

/** A second device of `user`, logged in over HTTP, its token already cached. */
async function secondDevice(
  server: TestServer,
  user: TestUser,
  extra: Record<string, unknown> = {},
): Promise<TestUser> {
  const login = await server.post(LOGIN, {
    type: "m.login.password",
    identifier: { type: "m.id.user", user: user.user_id },
    password: PASSWORD,
    ...extra,
  });
  expect(login.status).toBe(200);
  const device: TestUser = {
    user_id: user.user_id,
    device_id: login.body.device_id,
    access_token: login.body.access_token,
  };
  expect(await whoami(server, device.access_token)).toBe(200);
  return device;
}

/** Makes a UIA-guarded request: the first answer's session, then the password stage. */
async function withPassword(
  server: TestServer,
  user: TestUser,
  method: string,
  path: string,
  body: Record<string, unknown>,
) {
  const challenge = await server.request(method, path, { token: user.access_token, body });
  expect(challenge.status).toBe(401);
  return server.request(method, path, {
    token: user.access_token,
    body: { ...body, auth: passwordAuth(user, challenge.body.session) },
  });
}

describe("a cached token stops working as soon as it is revoked", () => {
  test("by POST /logout", async () => {
    const server = createTestServer();
    const phone = await secondDevice(server, await createUser(server));
    expect((await server.post("/_matrix/client/v3/logout", {}, { token: phone.access_token })).status).toBe(200);
    expect(await whoami(server, phone.access_token)).toBe(401);
  });

  test("by POST /logout/all, for every device", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const phone = await secondDevice(server, user);
    expect(await whoami(server, user.access_token)).toBe(200);
    expect((await server.post("/_matrix/client/v3/logout/all", {}, { token: phone.access_token })).status).toBe(200);
    expect([await whoami(server, user.access_token), await whoami(server, phone.access_token)]).toEqual([401, 401]);
  });

  test("by deactivation", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const phone = await secondDevice(server, user);
    expect(await whoami(server, user.access_token)).toBe(200);
    expect((await withPassword(server, user, "POST", "/_matrix/client/v3/account/deactivate", {})).status).toBe(200);
    expect([await whoami(server, user.access_token), await whoami(server, phone.access_token)]).toEqual([401, 401]);
  });

  test("by a password change with logout_devices, except the requesting device's", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const phone = await secondDevice(server, user);
    const changed = await withPassword(server, user, "POST", "/_matrix/client/v3/account/password", {
      new_password: "new horse",
    });
    expect(changed.status).toBe(200);
    expect([await whoami(server, user.access_token), await whoami(server, phone.access_token)]).toEqual([200, 401]);
  });

  test("by deleting the device", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const phone = await secondDevice(server, user);
    expect(
      (await withPassword(server, user, "DELETE", `/_matrix/client/v3/devices/${phone.device_id}`, {})).status,
    ).toBe(200);
    expect(await whoami(server, phone.access_token)).toBe(401);
    const tablet = await secondDevice(server, user);
    expect(
      (await withPassword(server, user, "POST", "/_matrix/client/v3/delete_devices", { devices: [tablet.device_id] }))
        .status,
    ).toBe(200);
    expect(await whoami(server, tablet.access_token)).toBe(401);
  });

  test("by logging in again with the same device_id", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const phone = await secondDevice(server, user, { device_id: "PHONE" });
    const again = await secondDevice(server, user, { device_id: "PHONE" });
    expect([await whoami(server, phone.access_token), await whoami(server, again.access_token)]).toEqual([401, 200]);
  });

  test("by refreshing: the old access token dies; the new one spends the old refresh token once", async () => {
    const server = createTestServer({ refreshable_access_token_lifetime: 60_000 });
    const user = await createUser(server);
    const login = await server.post(LOGIN, {
      type: "m.login.password",
      user: user.user_id,
      password: PASSWORD,
      refresh_token: true,
    });
    expect(await whoami(server, login.body.access_token)).toBe(200);
    const refreshed = await server.post("/_matrix/client/v3/refresh", { refresh_token: login.body.refresh_token });
    expect(refreshed.status).toBe(200);
    expect(await whoami(server, login.body.access_token)).toBe(401);
    expect([
      await whoami(server, refreshed.body.access_token),
      await whoami(server, refreshed.body.access_token),
    ]).toEqual([200, 200]);
    expect((await server.post("/_matrix/client/v3/refresh", { refresh_token: login.body.refresh_token })).status).toBe(
      401,
    );
    const next = await server.post("/_matrix/client/v3/refresh", { refresh_token: refreshed.body.refresh_token });
    expect(next.status).toBe(200);
    expect(await whoami(server, refreshed.body.access_token)).toBe(401);
  });

  test("by expiry, when the clock passes it", async () => {
    const clock = manualClock();
    const server = createTestServer({ refreshable_access_token_lifetime: 60_000 }, { clock });
    const user = await createUser(server);
    const login = await server.post(LOGIN, {
      type: "m.login.password",
      user: user.user_id,
      password: PASSWORD,
      refresh_token: true,
    });
    expect(await whoami(server, login.body.access_token)).toBe(200);
    clock.advance(59_999);
    expect(await whoami(server, login.body.access_token)).toBe(200);
    clock.advance(1);
    const expired = await server.get(WHOAMI, { token: login.body.access_token });
    expect([expired.status, expired.body.errcode, expired.body.soft_logout]).toEqual([401, "M_UNKNOWN_TOKEN", true]);
  });

  test("by another process writing the database (the user CLI), within a second", async () => {
    const dir = tempDir();
    const clock = manualClock();
    const server = createTestServer({}, { databasePath: dir.path, clock });
    try {
      const user = await createUser(server);
      expect(await whoami(server, user.access_token)).toBe(200);
      const cli = openDatabase(dir.path);
      cli.query("DELETE FROM devices WHERE user_id = ? AND device_id = ?").run(user.user_id, user.device_id);
      cli.close();
      clock.advance(1_000);
      expect(await whoami(server, user.access_token)).toBe(401);
    } finally {
      server.close();
      dir.remove();
    }
  });
});

describe("last-seen data through the cache", () => {
  test("the timestamp moves with every request; the address is looked up at most once a second per device", async () => {
    const clock = manualClock();
    const server = createTestServer({}, { clock });
    const { sessions } = server.services;
    const user = await createUser(server);
    let lookups = 0;
    const address = (ip: string) => () => (lookups++, ip);
    sessions.authenticate(user.access_token, address("192.0.2.1"));
    clock.advance(500);
    sessions.authenticate(user.access_token, address("192.0.2.2"));
    expect(lookups).toBe(1);
    expect(sessions.pendingLastSeen(user.user_id, user.device_id)).toMatchObject({ ts: clock.now(), ip: "192.0.2.1" });
    clock.advance(500);
    sessions.authenticate(user.access_token, address("192.0.2.3"));
    expect(lookups).toBe(2);
    expect(sessions.pendingLastSeen(user.user_id, user.device_id)).toMatchObject({ ts: clock.now(), ip: "192.0.2.3" });
    sessions.flushLastSeen();
    expect(storedDevice(server, user)).toMatchObject({ last_seen_ts: clock.now(), last_seen_ip: "192.0.2.3" });
  });
});
