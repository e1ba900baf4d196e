import { describe, expect, test } from "bun:test";
import { createRateLimiter } from "../../src/core/rate-limits.ts";
import { MatrixError } from "../../src/errors.ts";
import { createUser, manualClock } from "../support/fixtures.ts";
import { createTestServer } from "../support/server.ts";

const bucket = { per_second: 1, burst: 2 };

describe("rate limits", () => {
  test("login attempts over the limit get 429 M_LIMIT_EXCEEDED with retry_after_ms and Retry-After", async () => {
    const clock = manualClock();
    const server = createTestServer({ rate_limits: { enabled: true, login: bucket } }, { clock });
    await createUser(server, "alice");
    const attempt = () =>
      server.post("/_matrix/client/v3/login", { type: "m.login.password", user: "alice", password: "wrong" });
    expect((await attempt()).status).toBe(403);
    expect((await attempt()).status).toBe(403);
    const limited = await attempt();
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ errcode: "M_LIMIT_EXCEEDED", error: expect.any(String), retry_after_ms: 1000 });
    expect(limited.headers.get("retry-after")).toBe("1");
    clock.advance(1000);
    expect((await attempt()).status).toBe(403);
  });

  test("the password stage of user-interactive auth counts as a login attempt", async () => {
    // The manual clock keeps the bucket from refilling while argon2 runs on a loaded machine.
    const server = createTestServer({ rate_limits: { enabled: true, login: bucket } }, { clock: manualClock() });
    const user = await createUser(server);
    const auth = (session?: string) => ({
      type: "m.login.password",
      identifier: { type: "m.id.user", user: user.user_id },
      password: "bad",
      ...(session ? { session } : {}),
    });
    const first = await server.post(
      "/_matrix/client/v3/account/password",
      { new_password: "x", auth: auth() },
      { token: user.access_token },
    );
    expect(first.status).toBe(401);
    await server.post(
      "/_matrix/client/v3/account/password",
      { new_password: "x", auth: auth(first.body.session) },
      { token: user.access_token },
    );
    const limited = await server.post(
      "/_matrix/client/v3/account/password",
      { new_password: "x", auth: auth(first.body.session) },
      { token: user.access_token },
    );
    expect(limited.status).toBe(429);
    expect(limited.body.errcode).toBe("M_LIMIT_EXCEEDED");
  });

  test("registration is limited by accounts created, not by the requests of one registration", async () => {
    const clock = manualClock();
    const server = createTestServer(
      { allow_registration: true, rate_limits: { enabled: true, registration: bucket } },
      { clock },
    );
    const register = async (username: string) => {
      const first = await server.post("/_matrix/client/v3/register", { username, password: "pw" });
      if (first.status !== 401) return first;
      return server.post("/_matrix/client/v3/register", {
        username,
        password: "pw",
        auth: { type: "m.login.dummy", session: first.body.session },
      });
    };
    expect((await register("one")).status).toBe(200);
    expect((await register("two")).status).toBe(200);
    const limited = await register("three");
    expect(limited.status).toBe(429);
    expect(limited.body.errcode).toBe("M_LIMIT_EXCEEDED");
    clock.advance(1000);
    expect((await register("three")).status).toBe(200);
  });

  test("guest registration and token validity checks are limited too", async () => {
    const server = createTestServer(
      {
        allow_guest_registration: true,
        allow_registration: true,
        rate_limits: { enabled: true, registration: bucket },
      },
      { clock: manualClock() },
    );
    await server.post("/_matrix/client/v3/register?kind=guest", {});
    await server.get("/_matrix/client/v1/register/m.login.registration_token/validity?token=x");
    expect((await server.post("/_matrix/client/v3/register?kind=guest", {})).status).toBe(429);
  });

  test("with rate_limits.enabled = false nothing is limited", async () => {
    const server = createTestServer({ rate_limits: { enabled: false, login: bucket } });
    for (let i = 0; i < 4; i++) {
      expect(
        (await server.post("/_matrix/client/v3/login", { type: "m.login.password", user: "x", password: "y" })).status,
      ).toBe(403);
    }
  });

  test("the exported limiter keeps one bucket per key and refills over time", () => {
    const clock = manualClock();
    const limiter = createRateLimiter({ per_second: 2, burst: 1 }, clock);
    limiter.take("user:a");
    limiter.take("user:b");
    expect(() => limiter.take("user:a")).toThrow(MatrixError);
    try {
      limiter.take("user:a");
    } catch (error) {
      expect((error as MatrixError).extra.retry_after_ms).toBe(500);
    }
    clock.advance(500);
    expect(() => limiter.take("user:a")).not.toThrow();
    // A refused request takes no token from the other keys.
    expect(() => limiter.take("user:c", "user:a")).toThrow(MatrixError);
    expect(() => limiter.take("user:c")).not.toThrow();
  });
});
