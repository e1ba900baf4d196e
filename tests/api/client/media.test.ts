import { afterAll, describe, expect, test } from "bun:test";
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createUser, type TestUser } from "../../support/fixtures.ts";
import { createTestServer, type TestServer } from "../../support/server.ts";
import { storedMediaCount } from "../../support/stored.ts";

const CSP =
  "sandbox; default-src 'none'; script-src 'none'; plugin-types application/pdf; style-src 'unsafe-inline'; media-src 'self'; object-src 'self';";

/** The raw response, for bodies that are bytes rather than JSON. */
function get(
  server: TestServer,
  path: string,
  token?: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return server.app.handle(
    new Request(`http://localhost${path}`, {
      headers: { ...headers, ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    }),
  );
}

async function upload(
  server: TestServer,
  user: TestUser,
  body: string | Uint8Array,
  contentType?: string,
  filename?: string,
): Promise<string> {
  const query = filename === undefined ? "" : `?filename=${encodeURIComponent(filename)}`;
  const res = await server.request("POST", `/_matrix/media/v3/upload${query}`, {
    raw: body,
    token: user.access_token,
    headers: contentType ? { "Content-Type": contentType } : {},
  });
  expect(res.status).toBe(200);
  expect(res.body.content_uri).toMatch(/^mxc:\/\/test\.local\/[A-Za-z0-9_-]+$/);
  return res.body.content_uri;
}

const path = (mxc: string) => mxc.slice("mxc://".length);
const files = (root: string): string[] =>
  readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));

describe("uploads and authenticated downloads", () => {
  const server = createTestServer({ media: { max_upload_size: 100_000 } });
  let alice: TestUser;
  afterAll(() => server.close());

  test("/versions lists v1.11, which tells clients to use the authenticated media endpoints", async () => {
    expect((await server.get("/_matrix/client/versions")).body.versions).toContain("v1.11");
  });

  test("GET /media/config (v1 and deprecated v3) reports max_upload_size; v1 needs a token", async () => {
    alice = await createUser(server);
    expect((await server.get("/_matrix/client/v1/media/config", { token: alice.access_token })).body).toEqual({
      "m.upload.size": 100_000,
    });
    expect((await server.get("/_matrix/media/v3/config", { token: alice.access_token })).body).toEqual({
      "m.upload.size": 100_000,
    });
    const anonymous = await server.get("/_matrix/client/v1/media/config");
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.errcode).toBe("M_MISSING_TOKEN");
  });

  for (const [contentType, body] of [
    ["text/plain", "hello, world\n"],
    ["application/json", '{"not": "parsed by the server"'],
    ["application/x-www-form-urlencoded", "a=1&b=2"],
  ] as const) {
    test(`a ${contentType} upload comes back byte for byte, unparsed`, async () => {
      const mxc = await upload(server, alice, body, contentType, "note.txt");
      const res = await get(server, `/_matrix/client/v1/media/download/${path(mxc)}`, alice.access_token);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(body);
      expect(res.headers.get("content-type")).toBe(contentType);
      expect(res.headers.get("content-disposition")).toBe(
        `${contentType === "application/x-www-form-urlencoded" ? "attachment" : "inline"}; filename="note.txt"`,
      );
    });
  }

  test("every download carries the security and CORS headers", async () => {
    const mxc = await upload(server, alice, "<script>alert(1)</script>", "text/html", "page.html");
    const res = await get(server, `/_matrix/client/v1/media/download/${path(mxc)}`, alice.access_token);
    expect(res.headers.get("content-type")).toBe("text/html");
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="page.html"');
    expect(res.headers.get("content-security-policy")).toBe(CSP);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("accept-ranges")).toBe("bytes");
  });

  test("SVG, unknown and missing content types are attachments; Text/Plain with parameters is inline", async () => {
    const cases: [string | undefined, string, string][] = [
      ["image/svg+xml", "image/svg+xml", "attachment"],
      ["img/png", "img/png", "attachment"],
      [undefined, "application/octet-stream", "attachment"],
      ["Text/Plain; charset=utf-8", "Text/Plain; charset=utf-8", "inline"],
    ];
    for (const [uploaded, served, disposition] of cases) {
      const mxc = await upload(server, alice, "<svg onload=alert(1)/>", uploaded);
      const res = await get(server, `/_matrix/client/v1/media/download/${path(mxc)}`, alice.access_token);
      expect([res.headers.get("content-type"), res.headers.get("content-disposition")]).toEqual([served, disposition]);
    }
  });

  test("non-ASCII file names use RFC 6266 filename*; the path's fileName overrides the uploaded one", async () => {
    const mxc = await upload(server, alice, "x", "text/plain", '🐔 "quoted".txt');
    const res = await get(server, `/_matrix/client/v1/media/download/${path(mxc)}`, alice.access_token);
    expect(res.headers.get("content-disposition")).toBe("inline; filename*=utf-8''%F0%9F%90%94%20%22quoted%22.txt");
    const renamed = await get(
      server,
      `/_matrix/client/v1/media/download/${path(mxc)}/${encodeURIComponent("☕.txt")}`,
      alice.access_token,
    );
    expect(renamed.headers.get("content-disposition")).toBe("inline; filename*=utf-8''%E2%98%95.txt");
  });

  test("identical uploads get their own media ids but one file on disk", async () => {
    const before = files(server.config.media.path!).length;
    const bytes = crypto.getRandomValues(new Uint8Array(5000));
    const first = await upload(server, alice, bytes, "application/octet-stream");
    const second = await upload(server, alice, bytes, "application/octet-stream");
    expect(first).not.toBe(second);
    expect(files(server.config.media.path!).length).toBe(before + 1);
    for (const mxc of [first, second]) {
      const res = await get(server, `/_matrix/client/v1/media/download/${path(mxc)}`, alice.access_token);
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
    }
  });

  test("byte ranges: 206 with Content-Range, 416 when unsatisfiable, the whole file for several ranges", async () => {
    const mxc = await upload(server, alice, "0123456789abcdef", "video/mp4");
    const url = `/_matrix/client/v1/media/download/${path(mxc)}`;
    for (const [range, body, contentRange] of [
      ["bytes=0-3", "0123", "bytes 0-3/16"],
      ["bytes=10-", "abcdef", "bytes 10-15/16"],
      ["bytes=-4", "cdef", "bytes 12-15/16"],
      ["bytes=14-100", "ef", "bytes 14-15/16"],
    ] as const) {
      const res = await get(server, url, alice.access_token, { Range: range });
      expect([res.status, await res.text(), res.headers.get("content-range")]).toEqual([206, body, contentRange]);
      expect(res.headers.get("content-security-policy")).toBe(CSP);
    }
    const unsatisfiable = await get(server, url, alice.access_token, { Range: "bytes=16-20" });
    expect([unsatisfiable.status, unsatisfiable.headers.get("content-range")]).toEqual([416, "bytes */16"]);
    const several = await get(server, url, alice.access_token, { Range: "bytes=0-1,4-5" });
    expect([several.status, await several.text()]).toEqual([200, "0123456789abcdef"]);
  });

  test("a declared Content-Length over max_upload_size is 413 M_TOO_LARGE before any byte is read", async () => {
    const res = await server.request("POST", "/_matrix/media/v3/upload", {
      raw: "small",
      token: alice.access_token,
      headers: { "Content-Type": "text/plain", "Content-Length": "100000000000" },
    });
    expect([res.status, res.body.errcode]).toEqual([413, "M_TOO_LARGE"]);
  });

  test("a body that grows past max_upload_size without a Content-Length is cut off with 413 and leaves nothing", async () => {
    const before = files(server.config.media.path!);
    const rows = storedMediaCount(server);
    const chunk = new Uint8Array(30_000);
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(chunk); // endless
      },
    });
    const res = await server.request("POST", "/_matrix/media/v3/upload", {
      raw: stream,
      token: alice.access_token,
      headers: { "Content-Type": "application/octet-stream" },
    });
    expect([res.status, res.body.errcode]).toEqual([413, "M_TOO_LARGE"]);
    expect(files(server.config.media.path!)).toEqual(before);
    expect(storedMediaCount(server)).toBe(rows);
  });

  test("JSON endpoints stay limited by max_request_size, uploads by max_upload_size", async () => {
    const small = createTestServer({ max_request_size: 2048, media: { max_upload_size: 10_000 } });
    const bob = await createUser(small);
    const headers = { "Content-Type": "application/json", "Content-Length": "5000" };
    expect(
      (
        await small.request("POST", "/_matrix/media/v3/upload", {
          raw: "x".repeat(5000),
          token: bob.access_token,
          headers,
        })
      ).status,
    ).toBe(200);
    const json = await small.request("PUT", "/_matrix/client/versions", { raw: "x".repeat(5000), headers });
    expect([json.status, json.body.errcode]).toEqual([413, "M_TOO_LARGE"]);
    // Without a Content-Length too: a chunked JSON body is cut off at max_request_size.
    let sent = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull: (controller) => {
        sent += 1000;
        controller.enqueue(new TextEncoder().encode(" ".repeat(1000)));
      },
    });
    const chunked = await small.request("POST", "/_matrix/media/v1/create", {
      raw: endless,
      token: bob.access_token,
      headers: { "Content-Type": "application/json" },
    });
    expect([chunked.status, chunked.body.errcode]).toEqual([413, "M_TOO_LARGE"]);
    expect(sent).toBeLessThan(10_000);
    small.close();
  });

  test("unknown, remote and malformed media ids are Matrix errors", async () => {
    const cases: [string, number, string][] = [
      ["test.local/doesNotExist", 404, "M_NOT_FOUND"],
      ["matrix.org/someRemoteMedia", 404, "M_NOT_FOUND"],
      ["test.local/..%2F..%2Fetc%2Fpasswd", 400, "M_INVALID_PARAM"],
      ["test.local/a.b", 400, "M_INVALID_PARAM"],
      ["bad_server!/abc", 400, "M_INVALID_PARAM"],
    ];
    for (const [mxcPath, status, errcode] of cases) {
      const res = await server.get(`/_matrix/client/v1/media/download/${mxcPath}`, { token: alice.access_token });
      expect([mxcPath, res.status, res.body.errcode]).toEqual([mxcPath, status, errcode]);
    }
    expect((await server.get("/_matrix/client/v1/media/download/test.local/abc")).status).toBe(401);
  });

  test("a content file removed from disk behind the server's back is 404 M_NOT_FOUND, not a broken 200", async () => {
    const mxc = await upload(server, alice, "soon gone", "text/plain");
    const media = await server.services.media.find("test.local", mxc.split("/").pop()!, {
      timeoutMs: 0,
      unauthenticated: false,
    });
    rmSync(media.path);
    const res = await server.get(`/_matrix/client/v1/media/download/${path(mxc)}`, { token: alice.access_token });
    expect([res.status, res.body.errcode]).toEqual([404, "M_NOT_FOUND"]);
  });

  test("uploads need a token", async () => {
    expect((await server.request("POST", "/_matrix/media/v3/upload", { raw: "x" })).status).toBe(401);
  });

  test("URL previews are off: 403 M_FORBIDDEN", async () => {
    const res = await server.get("/_matrix/client/v1/media/preview_url?url=https%3A%2F%2Fexample.org", {
      token: alice.access_token,
    });
    expect([res.status, res.body.errcode]).toEqual([403, "M_FORBIDDEN"]);
  });
});
