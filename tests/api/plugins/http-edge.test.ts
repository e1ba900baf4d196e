import { afterAll, describe, expect, test } from "bun:test";
import { nestsDeeperThan } from "../../../src/api/plugins/http-edge.ts";
import { loggablePath } from "../../../src/api/plugins/matrix-errors.ts";
import { MAX_JSON_DEPTH } from "../../../src/matrix/canonical-json.ts";
import { createUser } from "../../support/fixtures.ts";
import { createTestServer } from "../../support/server.ts";

describe("what every endpoint inherits", () => {
  const server = createTestServer({ max_request_size: 4096 });

  test("an unknown path is 404 M_UNRECOGNIZED", async () => {
    const res = await server.get("/_matrix/client/v3/no_such_endpoint");
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ errcode: "M_UNRECOGNIZED", error: expect.any(String) });
  });

  test("a known path with the wrong method is 405 M_UNRECOGNIZED", async () => {
    const res = await server.post("/_matrix/client/versions", {});
    expect(res.status).toBe(405);
    expect(res.body.errcode).toBe("M_UNRECOGNIZED");
    expect(res.headers.get("allow")).toContain("GET");
  });

  test("a body over max_request_size is 413 M_TOO_LARGE", async () => {
    const res = await server.request("PUT", "/_matrix/client/versions", {
      raw: "x".repeat(5000),
      headers: { "Content-Type": "application/json", "Content-Length": "5000" },
    });
    expect(res.status).toBe(413);
    expect(res.body.errcode).toBe("M_TOO_LARGE");
  });

  test("errors carry CORS headers too", async () => {
    const res = await server.get("/nowhere");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
  });

  for (const path of [
    "/_matrix/client/versions",
    "/_matrix/client/v3/login",
    "/_matrix/client/v3/rooms/!a:b/send/m.room.message/1",
    "/.well-known/matrix/client",
  ]) {
    test(`OPTIONS ${path} is answered with the spec's CORS headers`, async () => {
      const res = await server.request("OPTIONS", path, {
        headers: {
          Origin: "https://call.example.org",
          "Access-Control-Request-Method": "PUT",
          "Access-Control-Request-Headers": "authorization, content-type",
        },
      });
      expect(res.status).toBeLessThan(300);
      expect(res.headers.get("access-control-allow-origin")).toBe("*");
      expect(res.headers.get("access-control-allow-methods")).toContain("PUT");
      expect(res.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
      expect(res.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("content-type");
    });
  }
});

describe("JSON bodies nested too deep", () => {
  const server = createTestServer();
  afterAll(() => server.close());
  const arrays = (levels: number) => `${"[".repeat(levels)}${"]".repeat(levels)}`;
  const objects = (levels: number) => `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`;

  test("the depth scan counts arrays and objects, not brackets inside strings", () => {
    expect(nestsDeeperThan(arrays(3), 3)).toBe(false);
    expect(nestsDeeperThan(arrays(4), 3)).toBe(true);
    expect(nestsDeeperThan(`[[{"a":[]}],[[]]]`, 4)).toBe(false);
    expect(nestsDeeperThan(`[[{"a":[]}],[[]]]`, 3)).toBe(true);
    expect(nestsDeeperThan(`{"a":"[[[[{{{{","b":["\\\"[[[["]}`, 2)).toBe(false);
    expect(nestsDeeperThan(`{"a":"\\\\","b":[[[]]]}`, 3)).toBe(true);
  });

  test(`a body ${MAX_JSON_DEPTH} levels deep reaches its route; one more is 400 M_BAD_JSON naming the limit`, async () => {
    const user = await createUser(server);
    const path = `/_matrix/client/v3/user/${encodeURIComponent(user.user_id)}/account_data/org.example.deep`;
    const send = (raw: string) =>
      server.request("PUT", path, { raw, token: user.access_token, headers: { "Content-Type": "application/json" } });
    expect((await send(`{"x":${objects(MAX_JSON_DEPTH - 1)}}`)).status).toBe(200);
    expect((await send(`{"x":${arrays(MAX_JSON_DEPTH - 1)}}`)).status).toBe(200);
    for (const raw of [`{"x":${objects(MAX_JSON_DEPTH)}}`, `{"x":${arrays(10_000)}}`, `{"x":${arrays(200_000)}}`]) {
      const res = await send(raw);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        errcode: "M_BAD_JSON",
        error: `Request body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep`,
      });
    }
    const stored = await server.get(path, { token: user.access_token });
    expect(JSON.stringify(stored.body)).toBe(`{"x":${arrays(MAX_JSON_DEPTH - 1)}}`);
  });

  test("a deep body that is not JSON at all is still M_NOT_JSON or M_BAD_JSON, never a 500", async () => {
    const user = await createUser(server);
    for (const raw of [`{"x":${"[".repeat(50_000)}`, `${"]".repeat(50_000)}`, `{"x":"${"[".repeat(50_000)}`]) {
      const res = await server.request("POST", "/_matrix/client/v3/createRoom", {
        raw,
        token: user.access_token,
        headers: { "Content-Type": "application/json" },
      });
      expect(res.status).toBe(400);
      expect(["M_NOT_JSON", "M_BAD_JSON"]).toContain(res.body.errcode);
    }
  });
});

describe("numbers a double cannot hold", () => {
  const server = createTestServer();
  afterAll(() => server.close());

  test("1e400 anywhere in a body is 400 M_BAD_JSON; large finite numbers and the same text in strings are not", async () => {
    const user = await createUser(server);
    const path = `/_matrix/client/v3/user/${encodeURIComponent(user.user_id)}/account_data/org.example.numbers`;
    const send = (raw: string) =>
      server.request("PUT", path, { raw, token: user.access_token, headers: { "Content-Type": "application/json" } });
    for (const raw of ['{"n":1e400}', '{"a":[1,{"b":-1E+999}]}', `{"n":${"9".repeat(400)}}`]) {
      const res = await send(raw);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        errcode: "M_BAD_JSON",
        error: "Request body has a number out of range (beyond ±1.8e308)",
      });
    }
    for (const raw of ['{"n":1e308,"m":1.5e-400,"f":1.5}', '{"text":"1e400 is not a number here"}']) {
      expect((await send(raw)).status).toBe(200);
      expect((await server.get(path, { token: user.access_token })).body).toEqual(JSON.parse(raw));
    }
  });
});

describe("server discovery and keys", () => {
  const server = createTestServer({ server_name: "example.org" });

  test("GET /versions lists spec versions and unstable features", async () => {
    const res = await server.get("/_matrix/client/versions");
    expect(res.status).toBe(200);
    expect(res.body.versions).toContain("v1.1");
    expect(typeof res.body.unstable_features).toBe("object");
  });

  test("/.well-known/matrix/client defaults to the URL the request came in on", async () => {
    const res = await server.get("/.well-known/matrix/client", { headers: { Host: "matrix.example.org:8448" } });
    expect(res.body["m.homeserver"].base_url).toBe("http://matrix.example.org:8448");
    const proxied = await server.get("/.well-known/matrix/client", {
      headers: { "X-Forwarded-Proto": "https", "X-Forwarded-Host": "m.example.org" },
    });
    expect(proxied.body["m.homeserver"].base_url).toBe("https://m.example.org");
  });

  test("/.well-known/matrix/client and server follow [global.well_known]", async () => {
    const configured = createTestServer({
      server_name: "example.org",
      well_known: { client: "https://matrix.example.org", server: "matrix.example.org:443", support_contacts: [] },
    });
    expect((await configured.get("/.well-known/matrix/client")).body["m.homeserver"].base_url).toBe(
      "https://matrix.example.org",
    );
    expect((await configured.get("/.well-known/matrix/server")).body).toEqual({ "m.server": "matrix.example.org:443" });
    expect((await server.get("/.well-known/matrix/server")).body).toEqual({ "m.server": "example.org:443" });
  });

  test("/.well-known/matrix/support lists configured contacts", async () => {
    const configured = createTestServer({
      well_known: {
        support_contacts: [{ role: "m.role.admin", matrix_id: "@admin:example.org" }],
        support_page: "https://example.org/help",
      },
    });
    expect((await configured.get("/.well-known/matrix/support")).body).toEqual({
      contacts: [{ role: "m.role.admin", matrix_id: "@admin:example.org" }],
      support_page: "https://example.org/help",
    });
  });
});

describe("logging", () => {
  test("a delay_id in a path is masked before it is logged (it is a capability)", () => {
    expect(loggablePath("/_matrix/client/unstable/org.matrix.msc4140/delayed_events/Zk3-secret_id/restart")).toBe(
      "/_matrix/client/unstable/org.matrix.msc4140/delayed_events/…/restart",
    );
    expect(loggablePath("/_matrix/client/v1/delayed_events")).toBe("/_matrix/client/v1/delayed_events");
  });
});
