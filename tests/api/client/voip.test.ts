import { describe, expect, test } from "bun:test";
import { createGuest, createUser } from "../../support/fixtures.ts";
import { createTestServer, type ConfigOverrides } from "../../support/server.ts";

const TURN = "/_matrix/client/v3/voip/turnServer";
const NOW = Date.UTC(2026, 0, 1, 12, 0, 0, 500);
const fixedClock = { now: () => NOW };

/** The coturn REST API password, recomputed here with WebCrypto rather than the server's code. */
async function coturnPassword(secret: string, username: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-1" },
    false,
    ["sign"],
  );
  return Buffer.from(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(username))).toString("base64");
}

async function turnServerAs(overrides: ConfigOverrides, path = TURN) {
  const server = createTestServer(overrides, { clock: fixedClock });
  const alice = await createUser(server);
  return { alice, res: await server.get(path, { token: alice.access_token }) };
}

describe("GET /voip/turnServer with a shared secret (coturn use-auth-secret)", () => {
  const uris = ["turn:turn.example.org?transport=udp", "turn:turn.example.org?transport=tcp"];

  test("gives `<expiry>:<user_id>` and base64(HMAC-SHA1(secret, username)) with the configured ttl", async () => {
    const { alice, res } = await turnServerAs({ turn_uris: uris, turn_secret: "s3cret", turn_ttl: 600 });
    expect(res.status).toBe(200);
    const expiry = Math.floor(NOW / 1000) + 600;
    expect(res.body).toEqual({
      username: `${expiry}:${alice.user_id}`,
      password: await coturnPassword("s3cret", `${expiry}:${alice.user_id}`),
      uris,
      ttl: 600,
    });
    // Standard padded base64 of a 20-byte digest, as coturn expects.
    expect(res.body.password).toMatch(/^[A-Za-z0-9+/]{27}=$/);
  });

  test("the ttl defaults to one day", async () => {
    const { alice, res } = await turnServerAs({ turn_uris: uris, turn_secret: "s3cret" });
    expect(res.body.ttl).toBe(86400);
    expect(res.body.username).toBe(`${Math.floor(NOW / 1000) + 86400}:${alice.user_id}`);
  });

  test("[global.turn] takes precedence over the flat keys", async () => {
    const { alice, res } = await turnServerAs({
      turn_uris: ["turn:flat.example.org"],
      turn_secret: "flat",
      turn_ttl: 100,
      turn: {
        uris: ["turns:table.example.org:5349?transport=tcp"],
        secret: "table",
        username: "",
        password: "",
        ttl: 300,
      },
    });
    const username = `${Math.floor(NOW / 1000) + 300}:${alice.user_id}`;
    expect(res.body).toEqual({
      username,
      password: await coturnPassword("table", username),
      uris: ["turns:table.example.org:5349?transport=tcp"],
      ttl: 300,
    });
  });

  test("the table replaces the flat keys as a whole: a flat secret is not mixed into it", async () => {
    const { res } = await turnServerAs({
      turn_secret: "flat",
      turn: { uris: ["turn:table.example.org"], secret: "", username: "u", password: "p", ttl: 60 },
    });
    expect(res.body).toEqual({ username: "u", password: "p", uris: ["turn:table.example.org"], ttl: 60 });
  });

  test("is also served on r0 and on the pre-r0 api/v1 path, but there is no v1 path", async () => {
    for (const path of ["/_matrix/client/r0/voip/turnServer", "/_matrix/client/api/v1/voip/turnServer"]) {
      const { res } = await turnServerAs({ turn_uris: uris, turn_secret: "s3cret" }, path);
      expect(res.status).toBe(200);
      expect(res.body.uris).toEqual(uris);
    }
    const { res } = await turnServerAs(
      { turn_uris: uris, turn_secret: "s3cret" },
      "/_matrix/client/v1/voip/turnServer",
    );
    expect(res.status).toBe(404);
    expect(res.body.errcode).toBe("M_UNRECOGNIZED");
  });
});

describe("GET /voip/turnServer with static credentials or none", () => {
  test("static turn_username and turn_password are handed out as they are", async () => {
    const { res } = await turnServerAs({
      turn_uris: ["turn:turn.example.org"],
      turn_username: "bob",
      turn_password: "hunter2",
      turn_ttl: 3600,
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ username: "bob", password: "hunter2", uris: ["turn:turn.example.org"], ttl: 3600 });
  });

  test("the secret wins over static credentials when both are set", async () => {
    const { alice, res } = await turnServerAs({
      turn_uris: ["turn:t"],
      turn_secret: "s",
      turn_username: "bob",
      turn_password: "pw",
    });
    expect(res.body.username).toEndWith(`:${alice.user_id}`);
  });

  test("answers 200 {} when no TURN server is configured", async () => {
    const { res } = await turnServerAs({});
    expect(res.status).toBe(200);
    expect(res.body).toEqual({});
  });

  test("answers 200 {} when uris are set but neither a secret nor credentials", async () => {
    expect((await turnServerAs({ turn_uris: ["turn:t"] })).res.body).toEqual({});
    expect((await turnServerAs({ turn_uris: ["turn:t"], turn_username: "only-a-name" })).res.body).toEqual({});
  });

  test("answers 200 {} when a secret is set but no uris", async () => {
    expect((await turnServerAs({ turn_secret: "s" })).res.body).toEqual({});
  });
});

describe("who may fetch TURN credentials", () => {
  const configured = { turn_uris: ["turn:turn.example.org"], turn_secret: "s3cret" };

  test("a request without an access token is 401 M_MISSING_TOKEN", async () => {
    const res = await createTestServer(configured).get(TURN);
    expect(res.status).toBe(401);
    expect(res.body.errcode).toBe("M_MISSING_TOKEN");
  });

  test("an unknown access token is 401 M_UNKNOWN_TOKEN", async () => {
    const res = await createTestServer(configured).get(TURN, { token: "mat_nope" });
    expect(res.status).toBe(401);
    expect(res.body.errcode).toBe("M_UNKNOWN_TOKEN");
  });

  test("guests are refused with 403 M_GUEST_ACCESS_FORBIDDEN unless turn_allow_guests", async () => {
    const server = createTestServer(configured);
    const guest = await createGuest(server);
    const res = await server.get(TURN, { token: guest.access_token });
    expect(res.status).toBe(403);
    expect(res.body.errcode).toBe("M_GUEST_ACCESS_FORBIDDEN");
  });

  test("guests get credentials when turn_allow_guests is set", async () => {
    const server = createTestServer({ ...configured, turn_allow_guests: true });
    const guest = await createGuest(server);
    const res = await server.get(TURN, { token: guest.access_token });
    expect(res.status).toBe(200);
    expect(res.body.username).toEndWith(`:${guest.user_id}`);
  });

  test("the access token may also come as the access_token query parameter", async () => {
    const server = createTestServer(configured);
    const alice = await createUser(server);
    const res = await server.get(`${TURN}?access_token=${alice.access_token}`);
    expect(res.status).toBe(200);
    expect(res.body.username).toEndWith(`:${alice.user_id}`);
  });
});
