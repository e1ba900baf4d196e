import { describe, expect, test } from "bun:test";
import { loggablePath } from "../../../src/api/plugins/matrix-errors.ts";
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
    const res = await server.request("PUT", "/_matrix/client/versions", { raw: "x".repeat(5000), headers: { "Content-Type": "application/json", "Content-Length": "5000" } });
    expect(res.status).toBe(413);
    expect(res.body.errcode).toBe("M_TOO_LARGE");
  });

  test("errors carry CORS headers too", async () => {
    const res = await server.get("/nowhere");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
  });

  for (const path of ["/_matrix/client/versions", "/_matrix/client/v3/login", "/_matrix/client/v3/rooms/!a:b/send/m.room.message/1", "/.well-known/matrix/client"]) {
    test(`OPTIONS ${path} is answered with the spec's CORS headers`, async () => {
      const res = await server.request("OPTIONS", path, {
        headers: { Origin: "https://call.example.org", "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "authorization, content-type" },
      });
      expect(res.status).toBeLessThan(300);
      expect(res.headers.get("access-control-allow-origin")).toBe("*");
      expect(res.headers.get("access-control-allow-methods")).toContain("PUT");
      expect(res.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
      expect(res.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("content-type");
    });
  }
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
    const proxied = await server.get("/.well-known/matrix/client", { headers: { "X-Forwarded-Proto": "https", "X-Forwarded-Host": "m.example.org" } });
    expect(proxied.body["m.homeserver"].base_url).toBe("https://m.example.org");
  });

  test("/.well-known/matrix/client and server follow [global.well_known]", async () => {
    const configured = createTestServer({ server_name: "example.org", well_known: { client: "https://matrix.example.org", server: "matrix.example.org:443", support_contacts: [] } });
    expect((await configured.get("/.well-known/matrix/client")).body["m.homeserver"].base_url).toBe("https://matrix.example.org");
    expect((await configured.get("/.well-known/matrix/server")).body).toEqual({ "m.server": "matrix.example.org:443" });
    expect((await server.get("/.well-known/matrix/server")).body).toEqual({ "m.server": "example.org:443" });
  });

  test("/.well-known/matrix/support lists configured contacts", async () => {
    const configured = createTestServer({
      well_known: { support_contacts: [{ role: "m.role.admin", matrix_id: "@admin:example.org" }], support_page: "https://example.org/help" },
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
