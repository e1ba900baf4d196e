/**
 * matrix-js-sdk's media calls against a real bunduit process (issue #9): one user uploads
 * an avatar and sets it, another reads the profile and fetches the picture and a thumbnail
 * through the authenticated media endpoints (Matrix 1.11), as Element does.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createClient, type MatrixClient } from "matrix-js-sdk";
import { logger } from "matrix-js-sdk/lib/logger.js";
import { createUser, type TestUser } from "../support/fixtures.ts";
import { imageSize, makePng } from "../support/images.ts";
import { createTestServer, startServerProcess, tempDir, type ServerProcess } from "../support/server.ts";

const dir = tempDir();
let server: ServerProcess;
let alice: TestUser;
let bob: TestUser;
let aliceClient: MatrixClient;
let bobClient: MatrixClient;

beforeAll(async () => {
  (logger as unknown as { disableAll(): void }).disableAll();
  // The accounts are made through the core services on the same database file.
  const local = createTestServer({}, { databasePath: join(dir.path, "data") });
  alice = await createUser(local, undefined, null);
  bob = await createUser(local, undefined, null);
  local.close();
  server = await startServerProcess({ dir: dir.path });
  const client = (user: TestUser) =>
    createClient({
      baseUrl: server.url,
      accessToken: user.access_token,
      userId: user.user_id,
      deviceId: user.device_id,
    });
  aliceClient = client(alice);
  bobClient = client(bob);
});
afterAll(async () => {
  await server.stop();
  dir.remove();
});

describe("matrix-js-sdk's media", () => {
  test("an avatar set by one user is downloaded by another, byte for byte, with a thumbnail of the size asked", async () => {
    const png = await makePng(400, 300);
    const { content_uri: mxc } = await aliceClient.uploadContent(new Blob([png], { type: "image/png" }), {
      name: "avatar.png",
    });
    expect(mxc).toStartWith("mxc://test.local/");
    await aliceClient.setAvatarUrl(mxc);

    const profile = await bobClient.getProfileInfo(alice.user_id);
    expect(profile.avatar_url).toBe(mxc);

    // useAuthentication = true: the /_matrix/client/v1/media URLs, which need the reader's token.
    const download = bobClient.mxcUrlToHttp(profile.avatar_url!, undefined, undefined, undefined, false, true, true);
    expect(download).toStartWith(`${server.url}/_matrix/client/v1/media/download/test.local/`);
    expect((await fetch(download!)).status).toBe(401);
    const res = await fetch(download!, { headers: { Authorization: `Bearer ${bob.access_token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(new Uint8Array(png));

    // Element's avatar thumbnails: 96×96 crop, and a 320×240 scale of the 400×300 original.
    for (const [width, height, method] of [
      [96, 96, "crop"],
      [320, 240, "scale"],
    ] as const) {
      const url = bobClient.mxcUrlToHttp(mxc, width, height, method, false, true, true);
      expect(url).toStartWith(`${server.url}/_matrix/client/v1/media/thumbnail/test.local/`);
      const thumbnail = await fetch(url!, { headers: { Authorization: `Bearer ${bob.access_token}` } });
      expect(thumbnail.status).toBe(200);
      const contentType = thumbnail.headers.get("content-type");
      expect(contentType).toBe("image/png");
      expect(await imageSize(new Uint8Array(await thumbnail.arrayBuffer()), contentType)).toEqual({ width, height });
    }
  });
});
