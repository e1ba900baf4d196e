import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { createUser, type TestUser } from "../../support/fixtures.ts";
import { imageSize, makeGif, makeJpeg, makePng, makeWebp } from "../../support/images.ts";
import { createTestServer, type TestServer } from "../../support/server.ts";

async function upload(
  server: TestServer,
  user: TestUser,
  bytes: Uint8Array | string,
  contentType: string,
): Promise<string> {
  const res = await server.request("POST", "/_matrix/media/v3/upload", {
    raw: bytes,
    token: user.access_token,
    headers: { "Content-Type": contentType },
  });
  expect(res.status).toBe(200);
  return (res.body.content_uri as string).slice("mxc://".length);
}

function thumbnail(server: TestServer, user: TestUser, media: string, query: string): Promise<Response> {
  return server.app.handle(
    new Request(`http://localhost/_matrix/client/v1/media/thumbnail/${media}?${query}`, {
      headers: { Authorization: `Bearer ${user.access_token}` },
    }),
  );
}

async function thumbnailSize(server: TestServer, user: TestUser, media: string, query: string) {
  const res = await thumbnail(server, user, media, query);
  expect(res.status).toBe(200);
  const contentType = res.headers.get("content-type");
  return { contentType, ...(await imageSize(new Uint8Array(await res.arrayBuffer()), contentType)) };
}

describe("thumbnails", () => {
  const server = createTestServer();
  let alice: TestUser;
  let jpeg: string;
  let png: string;
  beforeAll(async () => {
    alice = await createUser(server);
    jpeg = await upload(server, alice, await makeJpeg(1000, 800), "image/jpeg");
    png = await upload(server, alice, await makePng(400, 300), "image/png");
  });
  afterAll(() => server.close());

  // The spec's recommended sizes, and what a 1000×800 and a 400×300 image give for each.
  for (const [query, jpegSize, pngSize] of [
    ["width=32&height=32&method=crop", [32, 32], [32, 32]],
    ["width=96&height=96&method=crop", [96, 96], [96, 96]],
    ["width=320&height=240&method=scale", [300, 240], [320, 240]],
    ["width=640&height=480&method=scale", [600, 480], [400, 300]],
    ["width=800&height=600&method=scale", [750, 600], [400, 300]],
    ["width=50&height=20&method=crop", [96, 96], [96, 96]],
    ["width=200&height=100&method=crop", [256, 128], [256, 128]],
    ["width=300&height=200", [300, 240], [320, 240]],
  ] as const) {
    test(`${query} gives ${jpegSize.join("×")} of the JPEG and ${pngSize.join("×")} of the PNG`, async () => {
      const fromJpeg = await thumbnailSize(server, alice, jpeg, query);
      expect(fromJpeg).toEqual({ contentType: "image/jpeg", width: jpegSize[0], height: jpegSize[1] });
      const fromPng = await thumbnailSize(server, alice, png, query);
      expect(fromPng).toEqual({ contentType: "image/png", width: pngSize[0], height: pngSize[1] });
    });
  }

  test("an image no larger than the request is served as it is", async () => {
    const res = await thumbnail(server, alice, png, "width=1000&height=1000&method=scale");
    const original = await server.app.handle(
      new Request(`http://localhost/_matrix/client/v1/media/download/${png}`, {
        headers: { Authorization: `Bearer ${alice.access_token}` },
      }),
    );
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(new Uint8Array(await original.arrayBuffer()));
  });

  test("thumbnails are inline, sandboxed and carry CORS headers", async () => {
    const res = await thumbnail(server, alice, jpeg, "width=32&height=32&method=crop");
    expect(res.headers.get("content-disposition")).toBe('inline; filename="thumbnail.jpeg"');
    expect(res.headers.get("content-security-policy")).toStartWith("sandbox;");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
  });

  test("a thumbnail is generated once, even for concurrent requests, then served from the cache", async () => {
    const fresh = await upload(server, alice, await makeJpeg(700, 500), "image/jpeg");
    let generated = 0;
    const generate = server.services.thumbnailer.generate;
    server.services.thumbnailer.generate = (...args) => {
      generated++;
      return generate(...args);
    };
    try {
      const responses = await Promise.all(
        Array.from({ length: 6 }, () => thumbnail(server, alice, fresh, "width=320&height=240&method=scale")),
      );
      const bodies = await Promise.all(
        responses.map(async (r) => Buffer.from(await r.arrayBuffer()).toString("base64")),
      );
      expect(new Set(bodies).size).toBe(1);
      expect((await thumbnail(server, alice, fresh, "width=300&height=200&method=scale")).status).toBe(200);
      expect(generated).toBe(1);
    } finally {
      server.services.thumbnailer.generate = generate;
    }
  });

  test("a cached thumbnail whose file was removed is made again", async () => {
    const query = "width=640&height=480&method=scale";
    const first = new Uint8Array(await (await thumbnail(server, alice, jpeg, query)).arrayBuffer());
    rmSync(
      server.services.mediaFiles.thumbnailPath(
        (await server.services.media.find("test.local", jpeg.split("/")[1]!, { timeoutMs: 0, unauthenticated: false }))
          .sha256,
        { width: 640, height: 480, method: "scale" },
      ),
    );
    const again = await thumbnail(server, alice, jpeg, query);
    expect(again.status).toBe(200);
    expect(new Uint8Array(await again.arrayBuffer())).toEqual(first);
  });

  test("GIF (first frame) and WebP become PNG thumbnails", async () => {
    const gif = await upload(server, alice, makeGif(200, 150), "image/gif");
    expect(await thumbnailSize(server, alice, gif, "width=96&height=96&method=crop")).toEqual({
      contentType: "image/png",
      width: 96,
      height: 96,
    });
    const webp = await upload(server, alice, await makeWebp(300, 200), "image/webp");
    expect(await thumbnailSize(server, alice, webp, "width=32&height=32&method=crop")).toEqual({
      contentType: "image/png",
      width: 32,
      height: 32,
    });
  });

  test("an animated GIF smaller than the request is served as it is only when animated=true", async () => {
    const gif = await upload(server, alice, makeGif(20, 20), "image/gif");
    const animated = await thumbnail(server, alice, gif, "width=32&height=32&method=crop&animated=true");
    expect(animated.headers.get("content-type")).toBe("image/gif");
    const still = await thumbnail(server, alice, gif, "width=32&height=32&method=crop");
    expect(still.headers.get("content-type")).toBe("image/png");
  });

  test("content that is not an image, or is truncated, is 400 M_UNKNOWN", async () => {
    const full = await makeJpeg(600, 400);
    const pngBytes = await makePng(300, 200);
    for (const [bytes, type] of [
      ["just some text", "text/plain"],
      [full.slice(0, Math.floor(full.length / 2)), "image/jpeg"],
      [pngBytes.slice(0, Math.floor(pngBytes.length / 2)), "image/png"],
      [pngBytes.slice(0, 30), "image/png"],
    ] as const) {
      const media = await upload(server, alice, bytes, type);
      const res = await server.get(`/_matrix/client/v1/media/thumbnail/${media}?width=32&height=32`, {
        token: alice.access_token,
      });
      expect([type, res.status, res.body.errcode]).toEqual([type, 400, "M_UNKNOWN"]);
    }
  });

  test("an image over media.max_image_pixels is 413 M_TOO_LARGE without being decoded", async () => {
    // A PNG header claiming 10000×10000 (100 MP): refused from the header alone.
    const header = await makePng(10, 10);
    new DataView(header.buffer, header.byteOffset).setUint32(16, 10_000);
    new DataView(header.buffer, header.byteOffset).setUint32(20, 10_000);
    const media = await upload(server, alice, header, "image/png");
    const res = await server.get(`/_matrix/client/v1/media/thumbnail/${media}?width=32&height=32`, {
      token: alice.access_token,
    });
    expect([res.status, res.body.errcode]).toEqual([413, "M_TOO_LARGE"]);
  });

  test("bad dimensions and methods are 400 Matrix errors", async () => {
    for (const [query, errcode] of [
      ["width=0&height=32", "M_INVALID_PARAM"],
      ["width=100000&height=32", "M_INVALID_PARAM"],
      ["width=-5&height=32", "M_INVALID_PARAM"],
      ["width=abc&height=32", "M_INVALID_PARAM"],
      ["width=32.5&height=32", "M_INVALID_PARAM"],
      ["width=32&height=32&method=stretch", "M_INVALID_PARAM"],
      ["width=32", "M_MISSING_PARAM"],
    ] as const) {
      const res = await server.get(`/_matrix/client/v1/media/thumbnail/${jpeg}?${query}`, {
        token: alice.access_token,
      });
      expect([query, res.status, res.body.errcode]).toEqual([query, 400, errcode]);
    }
  });
});
