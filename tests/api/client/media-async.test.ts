import { afterAll, describe, expect, test } from "bun:test";
import { createUser } from "../../support/fixtures.ts";
import { createTestServer } from "../../support/server.ts";

const mediaPath = (mxc: string) => mxc.slice("mxc://".length);

describe("asynchronous uploads (POST /create, PUT /upload/{serverName}/{mediaId})", () => {
  let now = Date.now();
  const server = createTestServer(
    { media: { max_pending_uploads: 3, unused_expiry_seconds: 60 } },
    { clock: { now: () => now } },
  );
  afterAll(() => server.close());

  test("create returns an mxc URI and its expiry; the content arrives with PUT and downloads", async () => {
    const alice = await createUser(server);
    const created = await server.post("/_matrix/media/v1/create", {}, { token: alice.access_token });
    expect(created.status).toBe(200);
    expect(created.body.content_uri).toMatch(/^mxc:\/\/test\.local\//);
    expect(created.body.unused_expires_at).toBe(now + 60_000);
    const put = await server.request(
      "PUT",
      `/_matrix/media/v3/upload/${mediaPath(created.body.content_uri)}?filename=a.txt`,
      {
        raw: "later",
        token: alice.access_token,
        headers: { "Content-Type": "text/plain" },
      },
    );
    expect([put.status, put.body]).toEqual([200, {}]);
    const res = await server.get(`/_matrix/client/v1/media/download/${mediaPath(created.body.content_uri)}`, {
      token: alice.access_token,
    });
    expect([res.status, res.body, res.headers.get("content-disposition")]).toEqual([
      200,
      "later",
      'inline; filename="a.txt"',
    ]);
  });

  test("a download waits for the upload, or answers 504 M_NOT_YET_UPLOADED after timeout_ms", async () => {
    const alice = await createUser(server);
    const { content_uri } = (await server.post("/_matrix/media/v1/create", {}, { token: alice.access_token })).body;
    const url = `/_matrix/client/v1/media/download/${mediaPath(content_uri)}`;
    const early = await server.get(`${url}?timeout_ms=0`, { token: alice.access_token });
    expect([early.status, early.body.errcode]).toEqual([504, "M_NOT_YET_UPLOADED"]);

    const waiting = server.get(`${url}?timeout_ms=5000`, { token: alice.access_token });
    await Bun.sleep(20);
    await server.request("PUT", `/_matrix/media/v3/upload/${mediaPath(content_uri)}`, {
      raw: "arrived",
      token: alice.access_token,
      headers: { "Content-Type": "text/plain" },
    });
    const res = await waiting;
    expect([res.status, res.body]).toEqual([200, "arrived"]);
  });

  test("a second PUT is 409 M_CANNOT_OVERWRITE_MEDIA, another user's PUT 403, an unknown id 404", async () => {
    const alice = await createUser(server);
    const bob = await createUser(server);
    const { content_uri } = (await server.post("/_matrix/media/v1/create", {}, { token: alice.access_token })).body;
    const put = (token: string, uri = content_uri) =>
      server.request("PUT", `/_matrix/media/v3/upload/${mediaPath(uri)}`, {
        raw: "x",
        token,
        headers: { "Content-Type": "text/plain" },
      });
    expect((await put(bob.access_token)).body.errcode).toBe("M_FORBIDDEN");
    expect((await put(alice.access_token)).status).toBe(200);
    const again = await put(alice.access_token);
    expect([again.status, again.body.errcode]).toEqual([409, "M_CANNOT_OVERWRITE_MEDIA"]);
    expect((await put(alice.access_token, "mxc://test.local/neverCreated")).status).toBe(404);
    expect((await put(alice.access_token, "mxc://elsewhere.org/abc")).status).toBe(404);
  });

  test("an id unused past its expiry is gone: PUT and download are 404 M_NOT_FOUND", async () => {
    const alice = await createUser(server);
    const { content_uri } = (await server.post("/_matrix/media/v1/create", {}, { token: alice.access_token })).body;
    now += 61_000;
    const put = await server.request("PUT", `/_matrix/media/v3/upload/${mediaPath(content_uri)}`, {
      raw: "x",
      token: alice.access_token,
    });
    expect([put.status, put.body.errcode]).toEqual([404, "M_NOT_FOUND"]);
    const res = await server.get(`/_matrix/client/v1/media/download/${mediaPath(content_uri)}`, {
      token: alice.access_token,
    });
    expect([res.status, res.body.errcode]).toEqual([404, "M_NOT_FOUND"]);
    expect(server.services.mediaRetention.expirePending()).toBeGreaterThan(0);
  });

  test("more pending ids than max_pending_uploads is 429 M_LIMIT_EXCEEDED with retry_after_ms", async () => {
    const carol = await createUser(server);
    for (let i = 0; i < 3; i++)
      expect((await server.post("/_matrix/media/v1/create", {}, { token: carol.access_token })).status).toBe(200);
    const res = await server.post("/_matrix/media/v1/create", {}, { token: carol.access_token });
    expect([res.status, res.body.errcode]).toEqual([429, "M_LIMIT_EXCEEDED"]);
    expect(res.body.retry_after_ms).toBe(60_000);
    now += 61_000;
    expect((await server.post("/_matrix/media/v1/create", {}, { token: carol.access_token })).status).toBe(200);
  });
});

describe("the deprecated unauthenticated endpoints (the spec's freeze)", () => {
  test("without a cutoff they serve no media: 404 M_NOT_FOUND; the authenticated ones serve it", async () => {
    const server = createTestServer();
    const alice = await createUser(server);
    const { content_uri } = (
      await server.request("POST", "/_matrix/media/v3/upload", { raw: "x", token: alice.access_token })
    ).body;
    for (const path of ["/_matrix/media/v3/download/", "/_matrix/media/v3/thumbnail/"]) {
      const res = await server.get(`${path}${mediaPath(content_uri)}?width=32&height=32`);
      expect([path, res.status, res.body.errcode]).toEqual([path, 404, "M_NOT_FOUND"]);
    }
    expect(
      (await server.get(`/_matrix/client/v1/media/download/${mediaPath(content_uri)}`, { token: alice.access_token }))
        .status,
    ).toBe(200);
    server.close();
  });

  test("media uploaded before media.unauthenticated_cutoff is served without a token; later media is not", async () => {
    let now = Date.parse("2030-01-01T00:00:00Z");
    const server = createTestServer({ media: { unauthenticated_cutoff: "2030-06-01" } }, { clock: { now: () => now } });
    const alice = await createUser(server);
    const upload = async (body: string) =>
      (
        await server.request("POST", "/_matrix/media/v3/upload?filename=old.txt", {
          raw: body,
          token: alice.access_token,
          headers: { "Content-Type": "text/plain" },
        })
      ).body.content_uri as string;
    const before = await upload("from before the freeze");
    now = Date.parse("2030-07-01T00:00:00Z");
    const after = await upload("from after the freeze");

    const old = await server.get(`/_matrix/media/v3/download/${mediaPath(before)}`);
    expect([old.status, old.body, old.headers.get("content-security-policy")?.startsWith("sandbox")]).toEqual([
      200,
      "from before the freeze",
      true,
    ]);
    expect(
      (await server.get(`/_matrix/media/v3/download/${mediaPath(before)}/renamed.txt`)).headers.get(
        "content-disposition",
      ),
    ).toBe('inline; filename="renamed.txt"');
    expect((await server.get(`/_matrix/media/v3/download/${mediaPath(after)}`)).status).toBe(404);
    server.close();
  });

  test("a pending id on the deprecated endpoint is still 504 M_NOT_YET_UPLOADED (as Complement expects)", async () => {
    const server = createTestServer();
    const alice = await createUser(server);
    const { content_uri } = (await server.post("/_matrix/media/v1/create", {}, { token: alice.access_token })).body;
    const res = await server.get(`/_matrix/media/v3/download/${mediaPath(content_uri)}?timeout_ms=0`);
    expect([res.status, res.body.errcode]).toEqual([504, "M_NOT_YET_UPLOADED"]);
    server.close();
  });
});
