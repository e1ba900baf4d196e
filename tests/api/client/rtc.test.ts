import { describe, expect, test } from "bun:test";
import { ConfigError, loadConfig, maskSecrets } from "../../../src/config.ts";
import { createGuest, createUser, type TestUser } from "../../support/fixtures.ts";
import { createTestServer } from "../../support/server.ts";
import { storedOpenIdTokenHashes } from "../../support/stored.ts";

const UNSTABLE_TRANSPORTS = "/_matrix/client/unstable/org.matrix.msc4143/rtc/transports";
const STABLE_TRANSPORTS = "/_matrix/client/v1/rtc/transports";
const LIVEKIT = { type: "livekit", livekit_service_url: "https://matrix-rtc.example.org/livekit/jwt" };
const SECOND = { type: "livekit", livekit_service_url: "https://backup.example.org/livekit/jwt", x_extra: "kept" };

describe("MatrixRTC transports (MSC4143)", () => {
  const configured = createTestServer({ matrix_rtc: { transports: [LIVEKIT, SECOND] } });
  const unconfigured = createTestServer();

  for (const path of [UNSTABLE_TRANSPORTS, STABLE_TRANSPORTS]) {
    test(`GET ${path} lists the configured transports in order, unknown fields included`, async () => {
      const alice = await createUser(configured);
      const res = await configured.get(path, { token: alice.access_token });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ rtc_transports: [LIVEKIT, SECOND] });
    });
  }

  test("with no transports configured the list is empty (js-sdk reads rtc_transports directly)", async () => {
    const alice = await createUser(unconfigured);
    for (const path of [UNSTABLE_TRANSPORTS, STABLE_TRANSPORTS]) {
      const res = await unconfigured.get(path, { token: alice.access_token });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ rtc_transports: [] });
    }
  });

  test("needs an access token: 401 M_MISSING_TOKEN without one", async () => {
    const res = await configured.get(UNSTABLE_TRANSPORTS);
    expect(res.status).toBe(401);
    expect(res.body.errcode).toBe("M_MISSING_TOKEN");
  });

  test("guests are refused, as in Synapse", async () => {
    const guest = await createGuest(configured);
    const res = await configured.get(STABLE_TRANSPORTS, { token: guest.access_token });
    expect(res.status).toBe(403);
    expect(res.body.errcode).toBe("M_GUEST_ACCESS_FORBIDDEN");
  });

  test("/.well-known/matrix/client carries the same list as org.matrix.msc4143.rtc_foci", async () => {
    const res = await configured.get("/.well-known/matrix/client");
    expect(res.status).toBe(200);
    expect(res.body["org.matrix.msc4143.rtc_foci"]).toEqual([LIVEKIT, SECOND]);
    expect(res.body["m.homeserver"].base_url).toBeString();
  });

  test("/.well-known/matrix/client omits rtc_foci when no transports are configured", async () => {
    const res = await unconfigured.get("/.well-known/matrix/client");
    expect(Object.keys(res.body)).toEqual(["m.homeserver"]);
  });

  test("/versions advertises org.matrix.msc4143 only when transports are configured", async () => {
    expect((await configured.get("/_matrix/client/versions")).body.unstable_features["org.matrix.msc4143"]).toBe(true);
    expect(
      (await unconfigured.get("/_matrix/client/versions")).body.unstable_features["org.matrix.msc4143"],
    ).toBeUndefined();
  });
});

describe("transports pointing at the built-in LiveKit authorization service", () => {
  const LIVEKIT_KEYS = {
    livekit_url: "wss://livekit.example.org",
    livekit_api_key: "devkey",
    livekit_api_secret: "s".repeat(32),
  };
  const builtIn = createTestServer({ matrix_rtc: LIVEKIT_KEYS });
  const behindProxy = createTestServer({
    matrix_rtc: LIVEKIT_KEYS,
    well_known: { client: "https://matrix.example.org/" },
  });
  const explicit = createTestServer({ matrix_rtc: { ...LIVEKIT_KEYS, transports: [LIVEKIT] } });

  test("with the livekit_* keys and no transports, the transport is this server's /livekit/jwt, at the URL of the request", async () => {
    const alice = await createUser(builtIn);
    const res = await builtIn.get(STABLE_TRANSPORTS, {
      token: alice.access_token,
      headers: { "X-Forwarded-Proto": "https", "X-Forwarded-Host": "hs.example.org" },
    });
    expect(res.body).toEqual({
      rtc_transports: [{ type: "livekit", livekit_service_url: "https://hs.example.org/livekit/jwt" }],
    });
    expect((await builtIn.get("/.well-known/matrix/client")).body["org.matrix.msc4143.rtc_foci"]).toEqual([
      { type: "livekit", livekit_service_url: "http://localhost/livekit/jwt" },
    ]);
    expect((await builtIn.get("/_matrix/client/versions")).body.unstable_features["org.matrix.msc4143"]).toBe(true);
  });

  test("well_known.client, when set, is the base of the URL (trailing slash or not)", async () => {
    const alice = await createUser(behindProxy);
    const expected = [{ type: "livekit", livekit_service_url: "https://matrix.example.org/livekit/jwt" }];
    expect((await behindProxy.get(UNSTABLE_TRANSPORTS, { token: alice.access_token })).body.rtc_transports).toEqual(
      expected,
    );
    expect((await behindProxy.get("/.well-known/matrix/client")).body["org.matrix.msc4143.rtc_foci"]).toEqual(expected);
  });

  test("configured transports win over the built-in service", async () => {
    const alice = await createUser(explicit);
    expect((await explicit.get(STABLE_TRANSPORTS, { token: alice.access_token })).body.rtc_transports).toEqual([
      LIVEKIT,
    ]);
  });
});

describe("[global.matrix_rtc] in conduit.toml", () => {
  test("the documented inline-table form loads without warnings", () => {
    const { config, warnings } = loadConfig(
      `[global.matrix_rtc]\ntransports = [{ type = "livekit", livekit_service_url = "https://matrix.example.org/livekit/jwt" }]\n`,
    );
    expect(config.matrix_rtc.transports).toEqual([
      { type: "livekit", livekit_service_url: "https://matrix.example.org/livekit/jwt" },
    ]);
    expect(warnings).toEqual([]);
  });

  test("defaults to no transports", () => {
    expect(loadConfig("").config.matrix_rtc).toEqual({ transports: [] });
  });

  test("a livekit transport without an http(s) livekit_service_url is refused, naming the entry", () => {
    for (const transport of [
      '{ type = "livekit" }',
      '{ type = "livekit", livekit_service_url = "matrix.example.org/livekit/jwt" }',
    ]) {
      let problems: string[] = [];
      try {
        loadConfig(`[global.matrix_rtc]\ntransports = [${transport}]\n`);
      } catch (error) {
        if (error instanceof ConfigError) problems = error.problems;
      }
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain("matrix_rtc.transports.0");
      expect(problems[0]).toContain("livekit_service_url");
    }
  });

  test("the livekit_* keys load from the file and the environment; the secret is masked", () => {
    const { config, warnings } = loadConfig(
      `[global.matrix_rtc]\nlivekit_url = "wss://livekit.example.org"\nlivekit_api_key = "devkey"\n`,
      { CONDUIT_MATRIX_RTC_LIVEKIT_API_SECRET: "from-the-environment" },
    );
    expect(warnings).toEqual([]);
    expect(config.matrix_rtc).toEqual({
      transports: [],
      livekit_url: "wss://livekit.example.org",
      livekit_api_key: "devkey",
      livekit_api_secret: "from-the-environment",
    });
    expect((maskSecrets(config).matrix_rtc as Record<string, unknown>).livekit_api_secret).toBe("********");
  });

  test("a partial livekit_* setup is refused, naming each missing key; livekit_url must be ws(s) or http(s)", () => {
    const problemsOf = (toml: string) => {
      try {
        loadConfig(`[global.matrix_rtc]\n${toml}`);
        return [];
      } catch (error) {
        return error instanceof ConfigError ? error.problems : [String(error)];
      }
    };
    const partial = problemsOf('livekit_api_key = "devkey"\n');
    expect(partial).toHaveLength(2);
    expect(partial[0]).toContain("matrix_rtc.livekit_url");
    expect(partial[1]).toContain("matrix_rtc.livekit_api_secret");
    const badUrl = problemsOf('livekit_url = "livekit.example.org"\nlivekit_api_key = "k"\nlivekit_api_secret = "s"\n');
    expect(badUrl).toHaveLength(1);
    expect(badUrl[0]).toContain("ws(s)://");
  });

  test("CONDUIT_MATRIX_RTC_TRANSPORTS sets the list from the environment", () => {
    const { config } = loadConfig("", {
      CONDUIT_MATRIX_RTC_TRANSPORTS: '[{ type = "livekit", livekit_service_url = "https://m.example.org/jwt" }]',
    });
    expect(config.matrix_rtc.transports).toEqual([
      { type: "livekit", livekit_service_url: "https://m.example.org/jwt" },
    ]);
  });
});

describe("OpenID tokens for the LiveKit authorization service", () => {
  let now = Date.UTC(2026, 0, 1);
  const server = createTestServer({ server_name: "example.org" }, { clock: { now: () => now } });
  const requestToken = (
    user: TestUser,
    path = `/_matrix/client/v3/user/${encodeURIComponent(user.user_id)}/openid/request_token`,
  ) => server.post(path, {}, { token: user.access_token });
  const userinfo = (token: string) =>
    server.get(`/_matrix/federation/v1/openid/userinfo?access_token=${encodeURIComponent(token)}`);

  test("request_token gives a Bearer token for this server, valid for an hour", async () => {
    const alice = await createUser(server);
    const res = await requestToken(alice);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      access_token: expect.any(String),
      token_type: "Bearer",
      matrix_server_name: "example.org",
      expires_in: 3600,
    });
    expect(res.body.access_token.length).toBeGreaterThanOrEqual(40);
  });

  test("userinfo answers the user the token was issued to, with federation off", async () => {
    expect(server.config.allow_federation).toBe(false);
    const alice = await createUser(server);
    const { body } = await requestToken(alice);
    const res = await userinfo(body.access_token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ sub: alice.user_id });
  });

  test("each request gives a new token, and the tokens are stored only hashed", async () => {
    const alice = await createUser(server);
    const first = (await requestToken(alice)).body.access_token as string;
    const second = (await requestToken(alice)).body.access_token as string;
    expect(first).not.toBe(second);
    const hashes = storedOpenIdTokenHashes(server);
    expect(hashes.length).toBeGreaterThanOrEqual(2);
    for (const hash of hashes) expect(Buffer.from(hash).toString()).not.toContain(first);
    expect((await userinfo(first)).body.sub).toBe(alice.user_id);
    expect((await userinfo(second)).body.sub).toBe(alice.user_id);
  });

  test("also served on r0, and an empty body is fine", async () => {
    const alice = await createUser(server);
    const res = await server.request(
      "POST",
      `/_matrix/client/r0/user/${encodeURIComponent(alice.user_id)}/openid/request_token`,
      {
        token: alice.access_token,
      },
    );
    expect(res.status).toBe(200);
    expect((await userinfo(res.body.access_token)).body.sub).toBe(alice.user_id);
  });

  test("a token for someone else is 403 M_FORBIDDEN", async () => {
    const alice = await createUser(server);
    const bob = await createUser(server);
    const res = await requestToken(
      alice,
      `/_matrix/client/v3/user/${encodeURIComponent(bob.user_id)}/openid/request_token`,
    );
    expect(res.status).toBe(403);
    expect(res.body.errcode).toBe("M_FORBIDDEN");
  });

  test("request_token needs an access token", async () => {
    const res = await server.post("/_matrix/client/v3/user/@a:example.org/openid/request_token", {});
    expect(res.status).toBe(401);
    expect(res.body.errcode).toBe("M_MISSING_TOKEN");
  });

  test("an unknown token is 401 M_UNKNOWN_TOKEN", async () => {
    const res = await userinfo("oid_not-a-token");
    expect(res.status).toBe(401);
    expect(res.body.errcode).toBe("M_UNKNOWN_TOKEN");
  });

  test("an access token is not an OpenID token, and an OpenID token is not an access token", async () => {
    const alice = await createUser(server);
    expect((await userinfo(alice.access_token)).body.errcode).toBe("M_UNKNOWN_TOKEN");
    const openid = (await requestToken(alice)).body.access_token as string;
    const res = await server.get(STABLE_TRANSPORTS, { token: openid });
    expect(res.status).toBe(401);
    expect(res.body.errcode).toBe("M_UNKNOWN_TOKEN");
  });

  test("a token is 401 M_UNKNOWN_TOKEN once its hour is over", async () => {
    const alice = await createUser(server);
    const token = (await requestToken(alice)).body.access_token as string;
    now += 3600 * 1000 - 1;
    expect((await userinfo(token)).status).toBe(200);
    now += 1;
    const res = await userinfo(token);
    expect(res.status).toBe(401);
    expect(res.body.errcode).toBe("M_UNKNOWN_TOKEN");
  });

  test("expired tokens are swept when new ones are issued", async () => {
    const alice = await createUser(server);
    await requestToken(alice);
    now += 2 * 3600 * 1000;
    await requestToken(alice);
    const count = storedOpenIdTokenHashes(server).length;
    expect(count).toBe(1);
  });

  test("a deactivated user's tokens stop working", async () => {
    const alice = await createUser(server);
    const token = (await requestToken(alice)).body.access_token as string;
    server.stores.accounts.updateDeactivated(alice.user_id);
    expect((await userinfo(token)).body.errcode).toBe("M_UNKNOWN_TOKEN");
  });

  test("userinfo without access_token is 400 M_MISSING_PARAM", async () => {
    const res = await server.get("/_matrix/federation/v1/openid/userinfo");
    expect(res.status).toBe(400);
    expect(res.body.errcode).toBe("M_MISSING_PARAM");
  });
});
