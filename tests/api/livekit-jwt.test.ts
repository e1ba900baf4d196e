/**
 * The built-in MatrixRTC authorization service (lk-jwt-service's endpoints under
 * /livekit/jwt): tokens, their claims and room names, errors, CORS, and the transports that
 * point at it. Tokens are checked with livekit-server-sdk's TokenVerifier, room creation
 * against a stand-in for LiveKit's room service API. Room membership is real: a public room
 * made over HTTP, which joinedUser() joins over HTTP. MSC4195's room-name test vector names a
 * room id no room here can have; tests/core/voip/livekit/identifiers.test.ts checks it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { TokenVerifier } from "livekit-server-sdk";
import { ConfigError, loadConfig, maskSecrets } from "../../src/config.ts";
import { startFakeLiveKit } from "../support/fake-livekit.ts";
import { startFakeRemoteHomeserver, type FakeRemoteHomeserver } from "../support/fake-remote-homeserver.ts";
import { createUser, type TestUser } from "../support/fixtures.ts";
import { createRoom, join } from "../support/rooms.ts";
import { createTestServer, type TestServer } from "../support/server.ts";

const JWT = "/livekit/jwt";
const livekit = startFakeLiveKit();
const liveKitConfig = {
  livekit_url: livekit.url,
  livekit_api_key: livekit.apiKey,
  livekit_api_secret: livekit.apiSecret,
};
const verifier = new TokenVerifier(livekit.apiKey, livekit.apiSecret);
const server = createTestServer({ server_name: "example.com", matrix_rtc: liveKitConfig });
/** The Matrix room of the calls: public, so that joinedUser() can join it. */
let ROOM: string;
beforeAll(async () => {
  ROOM = await createRoom(server, await createUser(server), { preset: "public_chat" });
});

/** The algorithm as MSC4195 describes it: unpadded base64 of SHA-256 of the JSON array. */
const expectedHash = (values: string[]) =>
  createHash("sha256").update(JSON.stringify(values)).digest("base64").replace(/=+$/, "");

async function openIdToken(srv: TestServer, user: TestUser) {
  const res = await srv.post(
    `/_matrix/client/v3/user/${encodeURIComponent(user.user_id)}/openid/request_token`,
    {},
    { token: user.access_token },
  );
  expect(res.status).toBe(200);
  return res.body as { access_token: string; token_type: string; matrix_server_name: string; expires_in: number };
}

async function joinedUser(localpart?: string): Promise<TestUser> {
  const user = await createUser(server, localpart);
  await join(server, user, ROOM);
  return user;
}

afterAll(() => livekit.stop());

describe("POST /livekit/jwt/sfu/get (legacy)", () => {
  test("gives a joined user of this server a token for the room's call and creates the LiveKit room", async () => {
    const alice = await joinedUser();
    livekit.calls.length = 0;
    const res = await server.post(`${JWT}/sfu/get`, {
      room: ROOM,
      openid_token: await openIdToken(server, alice),
      device_id: "DEV1",
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ url: livekit.url, jwt: expect.any(String) });

    const claims = await verifier.verify(res.body.jwt);
    const room = expectedHash([ROOM, "m.call#ROOM"]);
    expect(claims.iss).toBe(livekit.apiKey);
    expect(claims.sub).toBe(`${alice.user_id}:DEV1`);
    expect(claims.video).toEqual({
      roomJoin: true,
      room,
      canPublish: true,
      canSubscribe: true,
      canUpdateOwnMetadata: true,
    });
    expect(claims.exp! - claims.nbf!).toBe(3600);
    expect(Math.abs(claims.nbf! - Date.now() / 1000)).toBeLessThan(5);

    expect(livekit.refused).toEqual([]);
    expect(livekit.calls).toEqual([
      {
        method: "CreateRoom",
        body: { name: room, emptyTimeout: 300, departureTimeout: 20 },
        claims: expect.objectContaining({ iss: livekit.apiKey }),
      },
    ]);
    expect(livekit.calls[0]!.claims.video).toEqual({ roomCreate: true });
  });

  test("the legacy room name is that of the m.call#ROOM slot, as lk-jwt-service derives it", async () => {
    const alice = await joinedUser();
    const legacy = await server.post(`${JWT}/sfu/get`, {
      room: ROOM,
      openid_token: await openIdToken(server, alice),
      device_id: "D",
    });
    const modern = await server.post(`${JWT}/get_token`, {
      room_id: ROOM,
      slot_id: "m.call#ROOM",
      openid_token: await openIdToken(server, alice),
      member: { id: "m1", claimed_user_id: alice.user_id, claimed_device_id: "D" },
    });
    expect((await verifier.verify(legacy.body.jwt)).video!.room).toBe(
      (await verifier.verify(modern.body.jwt)).video!.room!,
    );
  });

  test("answers 400 M_BAD_JSON with lk-jwt-service's wording for missing fields", async () => {
    const alice = await joinedUser();
    const token = await openIdToken(server, alice);
    const cases: [unknown, string][] = [
      [{ openid_token: token }, "Missing room parameter"],
      [{ room: "", openid_token: token }, "Missing room parameter"],
      [{ room: ROOM }, "Missing OpenID token parameters"],
      [{ room: ROOM, openid_token: { ...token, matrix_server_name: "" } }, "Missing OpenID token parameters"],
      [{ room: ROOM, openid_token: token, delay_id: "d" }, "The request body is missing `delay_id` or `delay_timeout`"],
      [
        { room: ROOM, openid_token: token, delay_timeout: 5000 },
        "The request body is missing `delay_id` or `delay_timeout`",
      ],
    ];
    for (const [body, error] of cases) {
      const res = await server.post(`${JWT}/sfu/get`, body);
      expect([res.status, res.body]).toEqual([400, { errcode: "M_BAD_JSON", error }]);
    }
  });

  test("a body that is not JSON is 400 M_NOT_JSON; a field of the wrong type 400 M_BAD_JSON", async () => {
    const notJson = await server.request("POST", `${JWT}/sfu/get`, {
      raw: "{room:",
      headers: { "Content-Type": "application/json" },
    });
    expect([notJson.status, notJson.body.errcode]).toEqual([400, "M_NOT_JSON"]);
    const wrongType = await server.post(`${JWT}/sfu/get`, { room: 5, openid_token: {} });
    expect([wrongType.status, wrongType.body.errcode]).toEqual([400, "M_BAD_JSON"]);
  });

  test("an unknown OpenID token, or an access token in its place, is 401 M_UNAUTHORIZED", async () => {
    const alice = await joinedUser();
    const token = await openIdToken(server, alice);
    for (const openid_token of [
      { ...token, access_token: "oid_forged" },
      { ...token, access_token: alice.access_token },
    ]) {
      const res = await server.post(`${JWT}/sfu/get`, { room: ROOM, openid_token, device_id: "D" });
      expect([res.status, res.body]).toEqual([
        401,
        { errcode: "M_UNAUTHORIZED", error: "The request could not be authorised." },
      ]);
    }
  });

  test("a user of this server who is not joined (or a room this server does not know) is 403 M_FORBIDDEN, and no room is created", async () => {
    const bob = await createUser(server);
    livekit.calls.length = 0;
    for (const room of [ROOM, "!unknown:example.com"]) {
      const res = await server.post(`${JWT}/sfu/get`, {
        room,
        openid_token: await openIdToken(server, bob),
        device_id: "D",
      });
      expect([res.status, res.body.errcode]).toEqual([403, "M_FORBIDDEN"]);
      expect(res.body.error).toContain("not joined");
    }
    expect(livekit.calls).toEqual([]);
  });

  test("the creator of a private room is joined to it and gets a token; a user the room never saw does not", async () => {
    const owner = await createUser(server);
    const outsider = await createUser(server);
    const privateRoom = await createRoom(server, owner, { preset: "private_chat" });
    const ask = async (user: TestUser) =>
      server.post(`${JWT}/sfu/get`, {
        room: privateRoom,
        openid_token: await openIdToken(server, user),
        device_id: "D",
      });
    const granted = await ask(owner);
    expect(granted.status).toBe(200);
    expect((await verifier.verify(granted.body.jwt)).video!.room).toBe(expectedHash([privateRoom, "m.call#ROOM"]));
    const refused = await ask(outsider);
    expect([refused.status, refused.body.errcode]).toEqual([403, "M_FORBIDDEN"]);
  });

  test("when LiveKit cannot create the room: 500 M_UNKNOWN, as lk-jwt-service", async () => {
    const alice = await joinedUser();
    livekit.failCreateRoom = true;
    try {
      const res = await server.post(`${JWT}/sfu/get`, {
        room: ROOM,
        openid_token: await openIdToken(server, alice),
        device_id: "D",
      });
      expect([res.status, res.body]).toEqual([500, { errcode: "M_UNKNOWN", error: "Unable to create room on SFU" }]);
    } finally {
      livekit.failCreateRoom = false;
    }
  });
});

describe("POST /livekit/jwt/get_token (MSC4195)", () => {
  const request = (token: object, member: object, extra: object = {}) =>
    server.post(`${JWT}/get_token`, { room_id: ROOM, slot_id: "m.call#ROOM", openid_token: token, member, ...extra });

  test("matches MSC4195's test vector for the identity", async () => {
    const alice = await joinedUser("alice");
    const res = await server.post(`${JWT}/get_token`, {
      room_id: ROOM,
      slot_id: "slot1234",
      openid_token: await openIdToken(server, alice),
      member: { id: "memberABC", claimed_user_id: "@alice:example.com", claimed_device_id: "DEVICE123" },
    });
    expect(res.status).toBe(200);
    const claims = await verifier.verify(res.body.jwt);
    expect(claims.sub).toBe("J+T45tGruxc+HrUOqJJlyQSV33m728Cme4+vt8/SWrU");
    expect(claims.video!.room).toBe(expectedHash([ROOM, "slot1234"]));
  });

  test("hashes [user_id, claimed_device_id, member.id] into the identity and [room_id, slot_id] into the room", async () => {
    const carol = await joinedUser();
    const res = await request(await openIdToken(server, carol), {
      id: "uuid-1",
      claimed_user_id: carol.user_id,
      claimed_device_id: "PHONE",
    });
    const claims = await verifier.verify(res.body.jwt);
    expect(claims.sub).toBe(expectedHash([carol.user_id, "PHONE", "uuid-1"]));
    expect(claims.video).toEqual({
      roomJoin: true,
      room: expectedHash([ROOM, "m.call#ROOM"]),
      canPublish: true,
      canSubscribe: true,
      canUpdateOwnMetadata: true,
    });
  });

  test("a member claiming another user than the token's is 401 M_UNAUTHORIZED", async () => {
    const carol = await joinedUser();
    const res = await request(await openIdToken(server, carol), {
      id: "m",
      claimed_user_id: "@dave:example.com",
      claimed_device_id: "D",
    });
    expect([res.status, res.body.errcode]).toEqual([401, "M_UNAUTHORIZED"]);
  });

  test("answers 400 M_BAD_JSON with lk-jwt-service's wording for missing fields", async () => {
    const carol = await joinedUser();
    const token = await openIdToken(server, carol);
    const member = { id: "m", claimed_user_id: carol.user_id, claimed_device_id: "D" };
    const cases: [unknown, string][] = [
      [{ room_id: ROOM, openid_token: token, member }, "The request body is missing `room_id` or `slot_id`"],
      [
        { room_id: ROOM, slot_id: "s", openid_token: token },
        "The request body `member` is missing a `id`, `claimed_user_id` or `claimed_device_id`",
      ],
      [
        { room_id: ROOM, slot_id: "s", openid_token: token, member: { ...member, claimed_device_id: "" } },
        "The request body `member` is missing a `id`, `claimed_user_id` or `claimed_device_id`",
      ],
      [
        { room_id: ROOM, slot_id: "s", member },
        "The request body `openid_token` is missing a `access_token` or `matrix_server_name`",
      ],
      [
        { room_id: ROOM, slot_id: "s", openid_token: token, member, delay_timeout: 100 },
        "The request body is missing `delay_id` or `delay_timeout`",
      ],
    ];
    for (const [body, error] of cases) {
      const res = await server.post(`${JWT}/get_token`, body);
      expect([res.status, res.body]).toEqual([400, { errcode: "M_BAD_JSON", error }]);
    }
  });
});

describe("users of other servers (OpenID checked over federation)", () => {
  let remote: FakeRemoteHomeserver;
  beforeAll(async () => {
    remote = await startFakeRemoteHomeserver();
  });
  afterAll(() => remote.stop());
  const remoteToken = (access_token: string) => ({
    access_token,
    token_type: "Bearer",
    matrix_server_name: remote.serverName,
    expires_in: 3600,
  });

  test("get a token to join, without a membership check and without creating the LiveKit room", async () => {
    const bob = `@bob:${remote.serverName}`;
    remote.tokens.set("remote-ok", bob);
    livekit.calls.length = 0;
    const res = await server.post(`${JWT}/get_token`, {
      room_id: ROOM,
      slot_id: "m.call#ROOM",
      openid_token: remoteToken("remote-ok"),
      member: { id: "m", claimed_user_id: bob, claimed_device_id: "BOBDEV" },
    });
    expect(res.status).toBe(200);
    const claims = await verifier.verify(res.body.jwt);
    expect(claims.sub).toBe(expectedHash([bob, "BOBDEV", "m"]));
    expect(claims.video!.roomJoin).toBe(true);
    expect(claims.video!.roomCreate).toBeUndefined();
    expect(livekit.calls).toEqual([]);
    expect(remote.requests).toContain("GET /_matrix/federation/v1/openid/userinfo");
  });

  test("a server vouching for another server's user, or refusing the token, is 401 M_UNAUTHORIZED", async () => {
    remote.tokens.set("remote-liar", "@alice:example.com");
    for (const token of ["remote-liar", "remote-unknown"]) {
      const res = await server.post(`${JWT}/sfu/get`, { room: ROOM, openid_token: remoteToken(token), device_id: "D" });
      expect([res.status, res.body.errcode]).toEqual([401, "M_UNAUTHORIZED"]);
    }
  });

  test("an unreachable server is 401 M_UNAUTHORIZED", async () => {
    const res = await server.post(`${JWT}/sfu/get`, {
      room: ROOM,
      openid_token: { access_token: "x", matrix_server_name: "127.0.0.1:1" },
      device_id: "D",
    });
    expect([res.status, res.body.errcode]).toEqual([401, "M_UNAUTHORIZED"]);
  });

  test("may not delegate their leave: 400 M_BAD_JSON on the token endpoints, 403 M_FORBIDDEN on delegate_delayed_leave", async () => {
    const bob = `@bob:${remote.serverName}`;
    remote.tokens.set("remote-delegate", bob);
    const body = {
      room_id: ROOM,
      slot_id: "m.call#ROOM",
      openid_token: remoteToken("remote-delegate"),
      member: { id: "m", claimed_user_id: bob, claimed_device_id: "D" },
      delay_id: "d1",
      delay_timeout: 10000,
    };
    const token = await server.post(`${JWT}/get_token`, body);
    expect([token.status, token.body]).toEqual([
      400,
      { errcode: "M_BAD_JSON", error: "Delegation of delayed events is only supported for full access users" },
    ]);
    const delegate = await server.post(`${JWT}/delegate_delayed_leave`, body);
    expect([delegate.status, delegate.body.errcode]).toEqual([403, "M_FORBIDDEN"]);
  });
});

describe("the service as a whole", () => {
  const unconfigured = createTestServer();

  test("without the livekit_* keys every endpoint answers 404 M_UNRECOGNIZED", async () => {
    for (const [method, path] of [
      ["POST", "/sfu/get"],
      ["POST", "/get_token"],
      ["POST", "/delegate_delayed_leave"],
      ["POST", "/sfu_webhook"],
      ["GET", "/healthz"],
    ] as const) {
      const res = await unconfigured.request(method, `${JWT}${path}`, method === "POST" ? { body: {} } : {});
      expect([path, res.status, res.body.errcode]).toEqual([path, 404, "M_UNRECOGNIZED"]);
    }
  });

  test("GET /healthz is 200 with an empty body when configured", async () => {
    const res = await server.get(`${JWT}/healthz`);
    expect(res.status).toBe(200);
    expect(res.body).toBeUndefined();
  });

  test("a CORS preflight from Element Call's origin is allowed, and answers carry Access-Control-Allow-Origin", async () => {
    const preflight = await server.request("OPTIONS", `${JWT}/get_token`, {
      headers: {
        Origin: "https://call.element.io",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
      },
    });
    expect(preflight.status).toBeGreaterThanOrEqual(200);
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
    expect(preflight.headers.get("access-control-allow-methods")).toContain("POST");
    expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("content-type");
    const refused = await server.post(`${JWT}/sfu/get`, {}, { headers: { Origin: "https://call.element.io" } });
    expect(refused.headers.get("access-control-allow-origin")).toBe("*");
  });

  test("the wrong method on a known path is 405 M_UNRECOGNIZED", async () => {
    const res = await server.get(`${JWT}/get_token`);
    expect([res.status, res.body.errcode]).toEqual([405, "M_UNRECOGNIZED"]);
  });
});
