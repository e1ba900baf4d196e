import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createUser } from "../support/fixtures.ts";
import { makePng } from "../support/images.ts";
import { createTestServer, tempDir } from "../support/server.ts";
import { PROCESS_TEST_TIMEOUT_MS } from "../support/process-timeout.ts";

setDefaultTimeout(PROCESS_TEST_TIMEOUT_MS);

const MAIN = join(import.meta.dir, "../../src/main.ts");

function bunduit(dir: string, ...args: string[]) {
  const result = Bun.spawnSync([process.execPath, MAIN, ...args, "--config", join(dir, "conduit.toml")], {
    cwd: dir,
    env: { ...process.env, BUNDUIT_TEST: "" },
  });
  return { code: result.exitCode, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
}

const contentFiles = (dir: string) =>
  readdirSync(join(dir, "data", "media"), { recursive: true, withFileTypes: true }).filter(
    (e) => e.isFile() && !e.parentPath.endsWith("/media/tmp"),
  ).length;

describe("bunduit media", () => {
  test("delete removes one media id, and the file once no other id uses it", async () => {
    const dir = tempDir();
    try {
      writeFileSync(
        join(dir.path, "conduit.toml"),
        `[global]\nserver_name = "test.local"\ndatabase_path = "${join(dir.path, "data")}"\n`,
      );
      const server = createTestServer({}, { databasePath: join(dir.path, "data") });
      const alice = await createUser(server);
      const upload = async (body: string) =>
        (await server.request("POST", "/_matrix/media/v3/upload", { raw: body, token: alice.access_token })).body
          .content_uri as string;
      const [first, second, other] = [await upload("shared"), await upload("shared"), await upload("other")];
      server.close();
      expect(contentFiles(dir.path)).toBe(2);

      const deleted = bunduit(dir.path, "media", "delete", first);
      expect([deleted.code, deleted.stdout]).toEqual([0, "deleted 1 media id(s) and 0 file(s) no longer used\n"]);
      expect(contentFiles(dir.path)).toBe(2);
      expect(bunduit(dir.path, "media", "delete", second).stdout).toContain("and 1 file(s)");
      expect(contentFiles(dir.path)).toBe(1);

      const again = bunduit(dir.path, "media", "delete", second);
      expect([again.code, again.stderr]).toEqual([1, `bunduit: No media ${second}\n`]);
      expect(bunduit(dir.path, "media", "delete", "mxc://elsewhere.org/abc").code).toBe(1);

      const reopened = createTestServer({}, { databasePath: join(dir.path, "data") });
      const token = (await createUser(reopened)).access_token;
      expect((await reopened.get(`/_matrix/client/v1/media/download/${first.slice(6)}`, { token })).status).toBe(404);
      expect((await reopened.get(`/_matrix/client/v1/media/download/${other.slice(6)}`, { token })).body).toBe("other");
      reopened.close();
    } finally {
      dir.remove();
    }
  });

  test("purge --before deletes media uploaded before the date, with its files and thumbnails", async () => {
    const dir = tempDir();
    try {
      writeFileSync(
        join(dir.path, "conduit.toml"),
        `[global]\nserver_name = "test.local"\ndatabase_path = "${join(dir.path, "data")}"\n`,
      );
      let now = Date.parse("2024-01-01T00:00:00Z");
      const server = createTestServer({}, { databasePath: join(dir.path, "data"), clock: { now: () => now } });
      const alice = await createUser(server);
      const old = (
        await server.request("POST", "/_matrix/media/v3/upload", {
          raw: await makePng(200, 200),
          token: alice.access_token,
        })
      ).body.content_uri as string;
      expect(
        (
          await server.get(`/_matrix/client/v1/media/thumbnail/${old.slice(6)}?width=32&height=32&method=crop`, {
            token: alice.access_token,
          })
        ).status,
      ).toBe(200);
      now = Date.parse("2026-01-01T00:00:00Z");
      await server.request("POST", "/_matrix/media/v3/upload", { raw: "new", token: alice.access_token });
      server.close();
      expect(contentFiles(dir.path)).toBe(3);

      const purged = bunduit(dir.path, "media", "purge", "--before", "2025-01-01");
      expect([purged.code, purged.stdout]).toEqual([0, "deleted 1 media id(s) and 1 file(s) no longer used\n"]);
      expect(contentFiles(dir.path)).toBe(1);
      expect(existsSync(join(dir.path, "data", "bunduit.db"))).toBe(true);
    } finally {
      dir.remove();
    }
  });

  test("misuse prints the media usage and exits 2", () => {
    const dir = tempDir();
    try {
      writeFileSync(join(dir.path, "conduit.toml"), `[global]\ndatabase_path = "${join(dir.path, "data")}"\n`);
      for (const args of [
        ["media"],
        ["media", "purge"],
        ["media", "purge", "--before", "someday"],
        ["media", "delete"],
        ["media", "explode"],
      ]) {
        const result = bunduit(dir.path, ...args);
        expect([args.join(" "), result.code]).toEqual([args.join(" "), 2]);
        expect(result.stderr).toContain("bunduit media purge --before DATE");
      }
    } finally {
      dir.remove();
    }
  });
});
