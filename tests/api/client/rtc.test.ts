import { describe, expect, test } from "bun:test";
import { ConfigError, loadConfig } from "../../../src/config.ts";
import { createUser, type TestUser } from "../../support/fixtures.ts";
import { createTestServer, type TestServer } from "../../support/server.ts";

const UNSTABLE_TRANSPORTS = "/_matrix/client/unstable/org.matrix.msc4143/rtc/transports";
const STABLE_TRANSPORTS = "/_matrix/client/v1/rtc/transports";
const LIVEKIT = { type: "livekit", livekit_service_url: "https://matrix-rtc.example.org/livekit/jwt" };
const SECOND = { type: "livekit", livekit_service_url: "https://backup.example.org/livekit/jwt", x_extra: "kept" };

async function createGuest(server: TestServer): Promise<TestUser> {
  const user_id = await server.services.accounts.createUser(`guest${Math.random().toString(36).slice(2, 10)}`, null, { guest: true });
  server.stores.devices.insertDevice(user_id, "GUESTDEV", null, Date.now());
  return { user_id, device_id: "GUESTDEV", access_token: server.services.sessions.issueAccessToken(user_id, "GUESTDEV") };
}

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
    expect((await unconfigured.get("/_matrix/client/versions")).body.unstable_features["org.matrix.msc4143"]).toBeUndefined();
  });
});

describe("[global.matrix_rtc] in conduit.toml", () => {
  test("the documented inline-table form loads without warnings", () => {
    const { config, warnings } = loadConfig(
      `[global.matrix_rtc]\ntransports = [{ type = "livekit", livekit_service_url = "https://matrix.example.org/livekit/jwt" }]\n`,
    );
    expect(config.matrix_rtc.transports).toEqual([{ type: "livekit", livekit_service_url: "https://matrix.example.org/livekit/jwt" }]);
    expect(warnings).toEqual([]);
  });

  test("defaults to no transports", () => {
    expect(loadConfig("").config.matrix_rtc).toEqual({ transports: [] });
  });

  test("a livekit transport without an http(s) livekit_service_url is refused, naming the entry", () => {
    for (const transport of ['{ type = "livekit" }', '{ type = "livekit", livekit_service_url = "matrix.example.org/livekit/jwt" }']) {
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

  test("CONDUIT_MATRIX_RTC_TRANSPORTS sets the list from the environment", () => {
    const { config } = loadConfig("", { CONDUIT_MATRIX_RTC_TRANSPORTS: '[{ type = "livekit", livekit_service_url = "https://m.example.org/jwt" }]' });
    expect(config.matrix_rtc.transports).toEqual([{ type: "livekit", livekit_service_url: "https://m.example.org/jwt" }]);
  });
});
