import { describe, expect, test } from "bun:test";
import { registerAppservice } from "../../support/fake-appservice.ts";
import { createUser } from "../../support/fixtures.ts";
import { createTestServer } from "../../support/server.ts";

const WHOAMI = "/_matrix/client/v3/account/whoami";
const REGISTER = "/_matrix/client/v3/register";
const query = (params: Record<string, string>) => `?${new URLSearchParams(params)}`;

describe("identity assertion with an as_token", () => {
  test("without user_id the appservice acts as its sender, with no device", async () => {
    const server = createTestServer();
    const as = registerAppservice(server);
    const res = await server.get(WHOAMI, { token: as.as_token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ user_id: `@${as.sender_localpart}:test.local`, is_guest: false });
  });

  test("the token works from the access_token query parameter too", async () => {
    const server = createTestServer();
    const as = registerAppservice(server);
    const res = await server.get(`${WHOAMI}${query({ access_token: as.as_token })}`);
    expect(res.body.user_id).toBe(`@${as.sender_localpart}:test.local`);
  });

  test("?user_id= masquerades as a registered user of the namespace", async () => {
    const server = createTestServer();
    const as = registerAppservice(server);
    await server.post(
      REGISTER,
      { type: "m.login.application_service", username: `_${as.id}_alice`, inhibit_login: true },
      { token: as.as_token },
    );
    const res = await server.get(`${WHOAMI}${query({ user_id: `@_${as.id}_alice:test.local` })}`, {
      token: as.as_token,
    });
    expect(res.status).toBe(200);
    expect(res.body.user_id).toBe(`@_${as.id}_alice:test.local`);
  });

  test("a user outside the namespaces, or not registered, is 403 M_FORBIDDEN", async () => {
    const server = createTestServer();
    const as = registerAppservice(server);
    const outsider = await createUser(server);
    for (const userId of [outsider.user_id, `@_${as.id}_ghost:test.local`, `@_${as.id}_x:elsewhere.org`]) {
      const res = await server.get(`${WHOAMI}${query({ user_id: userId })}`, { token: as.as_token });
      expect(res.status).toBe(403);
      expect(res.body.errcode).toBe("M_FORBIDDEN");
    }
  });

  test("a non-exclusive namespace lets the appservice act as existing ordinary users", async () => {
    const server = createTestServer();
    const user = await createUser(server, "watched");
    const as = registerAppservice(server, {
      namespaces: { users: [{ regex: "@watched:test\\.local", exclusive: false }] },
    });
    const res = await server.get(`${WHOAMI}${query({ user_id: user.user_id })}`, { token: as.as_token });
    expect(res.body.user_id).toBe(user.user_id);
  });

  test("?device_id= masquerades as an existing device; an unknown one is 400 M_UNKNOWN_DEVICE", async () => {
    const server = createTestServer();
    const as = registerAppservice(server);
    const userId = `@_${as.id}_bob:test.local`;
    const registered = await server.post(
      REGISTER,
      { type: "m.login.application_service", username: `_${as.id}_bob`, device_id: "BOBPHONE" },
      { token: as.as_token },
    );
    expect(registered.body.device_id).toBe("BOBPHONE");
    const ok = await server.get(`${WHOAMI}${query({ user_id: userId, device_id: "BOBPHONE" })}`, {
      token: as.as_token,
    });
    expect(ok.body).toEqual({ user_id: userId, device_id: "BOBPHONE", is_guest: false });
    const unstable = await server.get(
      `${WHOAMI}${query({ user_id: userId, "org.matrix.msc3202.device_id": "BOBPHONE" })}`,
      { token: as.as_token },
    );
    expect(unstable.body.device_id).toBe("BOBPHONE");
    const unknown = await server.get(`${WHOAMI}${query({ user_id: userId, device_id: "NOPE" })}`, {
      token: as.as_token,
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errcode).toBe("M_UNKNOWN_DEVICE");
  });

  test("an ordinary user's ?user_id= is ignored", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const other = await createUser(server);
    const res = await server.get(`${WHOAMI}${query({ user_id: other.user_id })}`, { token: user.access_token });
    expect(res.body.user_id).toBe(user.user_id);
  });

  test("an unregistered appservice's token stops working without a restart", async () => {
    const server = createTestServer();
    const as = registerAppservice(server);
    expect((await server.get(WHOAMI, { token: as.as_token })).status).toBe(200);
    server.services.appservices.registrations.unregister(as.id);
    const res = await server.get(WHOAMI, { token: as.as_token });
    expect(res.status).toBe(401);
    expect(res.body.errcode).toBe("M_UNKNOWN_TOKEN");
  });

  test("keys cannot be uploaded without ?device_id=", async () => {
    const server = createTestServer();
    const as = registerAppservice(server);
    const res = await server.post("/_matrix/client/v3/keys/upload", { one_time_keys: {} }, { token: as.as_token });
    expect(res.status).toBe(400);
    expect(res.body.error).toContain("device_id");
  });
});

describe("rate limits", () => {
  test("the sender is always exempt, users only when rate_limited is false", () => {
    const server = createTestServer();
    const limited = registerAppservice(server);
    const unlimited = registerAppservice(server, { rate_limited: false });
    const requester = (as: typeof limited, userId?: string) =>
      server.services.sessions.authenticate(as.as_token, null, new URLSearchParams(userId ? { user_id: userId } : {}));
    for (const as of [limited, unlimited])
      server.stores.accounts.insertUser({ user_id: `@_${as.id}_u:test.local`, password_hash: null, created_ts: 0 });
    expect(requester(limited).exempt_from_rate_limits).toBe(true);
    expect(requester(limited, `@_${limited.id}_u:test.local`).exempt_from_rate_limits).toBe(false);
    expect(requester(unlimited, `@_${unlimited.id}_u:test.local`).exempt_from_rate_limits).toBe(true);
  });

  test("takeFor skips exempt requesters and limits the others", () => {
    const server = createTestServer({ rate_limits: { enabled: true, message: { per_second: 0.001, burst: 1 } } });
    const { message } = server.services.rateLimits;
    for (let i = 0; i < 5; i++) message.takeFor({ exempt_from_rate_limits: true }, "user:@x:test.local");
    message.takeFor({}, "user:@y:test.local");
    expect(() => message.takeFor({}, "user:@y:test.local")).toThrow("Too many requests");
  });
});
