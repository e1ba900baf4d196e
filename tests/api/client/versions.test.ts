import { afterAll, describe, expect, test } from "bun:test";
import { createTestServer } from "../../support/server.ts";

const server = createTestServer();
afterAll(() => server.close());

/**
 * The endpoints each spec version added (x-addedInMatrixVersion in the spec's OpenAPI), as
 * far as a server must serve them. Every advertised version needs an entry, so listing a new
 * one means looking at what it added. Left out as optional: SSO redirects (v1.1, only with
 * SSO), /login/get_token (v1.7, only with the m.get_login_token capability), /preview_url
 * (v1.11, may be refused) and /auth_metadata (v1.15, 404 without OAuth).
 */
const ADDED_IN: Record<string, string[]> = {
  "v1.1": [
    "POST /_matrix/client/v3/knock/!r:test.local",
    "POST /_matrix/client/v3/keys/device_signing/upload",
    "POST /_matrix/client/v3/keys/signatures/upload",
    "GET /_matrix/client/v3/room_keys/version",
    "PUT /_matrix/client/v3/room_keys/keys",
  ],
  "v1.2": ["GET /_matrix/client/v1/register/m.login.registration_token/validity"],
  "v1.3": ["POST /_matrix/client/v3/refresh"],
  "v1.4": ["GET /_matrix/client/v1/rooms/!r:test.local/threads"],
  "v1.5": [],
  "v1.6": ["GET /_matrix/client/v1/rooms/!r:test.local/timestamp_to_event"],
  "v1.7": [
    "POST /_matrix/client/v1/appservice/as/ping",
    "POST /_matrix/media/v1/create",
    "PUT /_matrix/media/v3/upload/test.local/abc",
  ],
  "v1.8": [],
  "v1.9": [],
  "v1.10": ["GET /.well-known/matrix/support"],
  "v1.11": [
    "GET /_matrix/client/v1/media/config",
    "GET /_matrix/client/v1/media/download/test.local/abc",
    "GET /_matrix/client/v1/media/thumbnail/test.local/abc",
  ],
  "v1.12": [],
  "v1.13": ["POST /_matrix/client/v3/rooms/!r:test.local/report"],
  "v1.14": ["POST /_matrix/client/v3/users/@u:test.local/report"],
  "v1.15": ["GET /_matrix/client/v1/room_summary/!r:test.local"],
  // Parameters and fields only: /sync's use_state_after, stripped create events, appservice devices.
  "v1.16": [],
  "v1.17": [],
};

/** Endpoints added by an advertised version that are not built yet (docs/status.md lists them). */
const NOT_YET = ["GET /_matrix/client/v1/rooms/!r:test.local/hierarchy"];

/** Whether the server has a route for it: anything but the router's 404/405 M_UNRECOGNIZED. */
async function routed(endpoint: string): Promise<boolean> {
  const [method, path] = endpoint.split(" ") as [string, string];
  const res = await server.request(method, path, method === "GET" ? {} : { body: {} });
  return !((res.status === 404 || res.status === 405) && res.body?.errcode === "M_UNRECOGNIZED");
}

describe("GET /_matrix/client/versions", () => {
  test("advertises only v1.x versions: no r0, whose paths are not served", async () => {
    const { versions } = (await server.get("/_matrix/client/versions")).body as { versions: string[] };
    expect(versions.length).toBeGreaterThan(0);
    for (const version of versions) expect(version).toMatch(/^v1\.\d+$/);
    expect((await server.get("/_matrix/client/r0/account/whoami")).body.errcode).toBe("M_UNRECOGNIZED");
  });

  test("lists v1.1 to v1.17 in order, without gaps", async () => {
    const { versions } = (await server.get("/_matrix/client/versions")).body as { versions: string[] };
    expect(versions).toEqual(Array.from({ length: 17 }, (_, i) => `v1.${i + 1}`));
  });

  test("every endpoint an advertised version added is served", async () => {
    const { versions } = (await server.get("/_matrix/client/versions")).body as { versions: string[] };
    for (const version of versions) {
      expect(ADDED_IN[version], `no entry for ${version} in ADDED_IN`).toBeDefined();
      for (const endpoint of ADDED_IN[version] ?? []) expect(await routed(endpoint), endpoint).toBe(true);
    }
  });

  test("the known gaps are still gaps (move them into ADDED_IN once built)", async () => {
    for (const endpoint of NOT_YET) expect(await routed(endpoint), endpoint).toBe(false);
  });

  test("without OAuth, /auth_metadata answers 404 M_UNRECOGNIZED, as the spec asks of such servers", async () => {
    const res = await server.get("/_matrix/client/v1/auth_metadata");
    expect(res.status).toBe(404);
    expect(res.body.errcode).toBe("M_UNRECOGNIZED");
  });
});
