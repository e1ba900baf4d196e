import { expect, test } from "bun:test";
import { verifyJsonSignature } from "../../src/matrix/signing.ts";
import { createTestServer, tempDir } from "../support/server.ts";

test("GET /_matrix/key/v2/server is signed by the key it publishes", async () => {
  const server = createTestServer({ server_name: "example.org" });
  const res = await server.get("/_matrix/key/v2/server");
  expect(res.status).toBe(200);
  expect(res.body.server_name).toBe("example.org");
  const [keyId, { key }] = Object.entries(res.body.verify_keys as Record<string, { key: string }>)[0]!;
  expect(keyId).toMatch(/^ed25519:[A-Za-z0-9_]+$/);
  expect(verifyJsonSignature(res.body, "example.org", keyId, key)).toBe(true);
  expect(res.body.valid_until_ts).toBeGreaterThan(Date.now());
});

test("the signing key is generated once and kept across restarts", async () => {
  const dir = tempDir();
  try {
    const first = createTestServer({}, { databasePath: dir.path });
    const keys1 = (await first.get("/_matrix/key/v2/server")).body.verify_keys;
    first.close();
    const second = createTestServer({}, { databasePath: dir.path });
    expect((await second.get("/_matrix/key/v2/server")).body.verify_keys).toEqual(keys1);
    second.close();
  } finally {
    dir.remove();
  }
});
