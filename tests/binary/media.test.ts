/**
 * The compiled binary, alone in a directory, uploads an image and serves its thumbnails:
 * proof that the worker entry point and the embedded WebAssembly codecs made it into the
 * executable. Runs only when BUNDUIT_BINARY names a built binary (.ci/smoke-test sets it).
 */
import { describe, expect, test } from "bun:test";
import { copyFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { createUser } from "../support/fixtures.ts";
import { imageSize, makeJpeg, makePng } from "../support/images.ts";
import { createTestServer, startServerProcess, tempDir } from "../support/server.ts";

const binary = process.env.BUNDUIT_BINARY;

describe.skipIf(!binary)("the compiled binary", () => {
  test("generates JPEG and PNG thumbnails with nothing beside it", async () => {
    const dir = tempDir();
    try {
      copyFileSync(binary!, join(dir.path, "bunduit"));
      expect(readdirSync(dir.path)).toEqual(["bunduit"]);
      const server = await startServerProcess({ dir: dir.path, command: [join(dir.path, "bunduit")] });
      try {
        const local = createTestServer({}, { databasePath: join(dir.path, "data") });
        const token = (await createUser(local)).access_token;
        local.close();
        for (const [bytes, type, method, width, height] of [
          [await makeJpeg(1200, 900), "image/jpeg", "scale", 320, 240],
          [await makePng(500, 400), "image/png", "crop", 96, 96],
        ] as const) {
          const upload = await fetch(`${server.url}/_matrix/media/v3/upload`, {
            method: "POST",
            body: bytes,
            headers: { Authorization: `Bearer ${token}`, "Content-Type": type },
          });
          const { content_uri } = (await upload.json()) as { content_uri: string };
          const res = await fetch(
            `${server.url}/_matrix/client/v1/media/thumbnail/${content_uri.slice(6)}?width=${width}&height=${height}&method=${method}`,
            {
              headers: { Authorization: `Bearer ${token}` },
            },
          );
          expect(res.status).toBe(200);
          expect(res.headers.get("content-type")).toBe(type);
          expect(await imageSize(new Uint8Array(await res.arrayBuffer()), type)).toEqual({ width, height });
        }
      } finally {
        expect(await server.stop()).toBe(0);
      }
    } finally {
      dir.remove();
    }
  }, 30_000);
});
