/**
 * The container image's configuration, checked through the real CLI without Docker: a
 * directory laid out as the image's /etc/bunduit (its working directory) and `check-config`,
 * which runs the same loading as `serve`. The image's own conduit.toml gives the container
 * defaults; an operator's mounted file replaces it and wins; -e CONDUIT_… wins over both.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { copyFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { PROCESS_TEST_TIMEOUT_MS } from "../support/process-timeout.ts";
import { tempDir } from "../support/server.ts";

setDefaultTimeout(PROCESS_TEST_TIMEOUT_MS);

const REPO = resolve(import.meta.dir, "../..");
const MAIN = join(REPO, "src/main.ts");

/** `bunduit check-config` in `etcBunduit` as the image runs it: no flag, only the image's ENV (none) plus `env`. */
function checkConfig(etcBunduit: string, env: Record<string, string> = {}) {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("CONDUIT_")));
  const result = Bun.spawnSync([process.execPath, MAIN, "check-config"], {
    cwd: etcBunduit,
    env: { ...inherited, BUNDUIT_TEST: "", ...env },
  });
  expect(result.stderr.toString()).toBe("");
  expect(result.exitCode).toBe(0);
  return JSON.parse(result.stdout.toString().replace(/^[^\n]*\n/, "")) as Record<string, unknown>;
}

describe("the Docker image's configuration", () => {
  test("the Dockerfile sets no CONDUIT_* variable (it would override a mounted file) and installs docker/conduit.toml as /etc/bunduit/conduit.toml", async () => {
    const dockerfile = await Bun.file(join(REPO, "Dockerfile")).text();
    expect(dockerfile).not.toMatch(/^\s*ENV\b[^\n]*CONDUIT_/m);
    expect(dockerfile).not.toMatch(/^\s+CONDUIT_\w+=/m);
    expect(dockerfile).toContain('cp docker/conduit.toml "$root/etc/bunduit/conduit.toml"');
    expect(dockerfile).toMatch(/^WORKDIR \/etc\/bunduit$/m);
    expect(dockerfile).toMatch(/^VOLUME \["\/var\/lib\/bunduit"\]$/m);
  });

  test("the image's file listens on every interface and keeps the data in the volume; a mounted file wins; -e wins over both", () => {
    const etc = tempDir();
    try {
      copyFileSync(join(REPO, "docker/conduit.toml"), join(etc.path, "conduit.toml"));
      const image = checkConfig(etc.path, { CONDUIT_SERVER_NAME: "example.org" });
      expect([image.address, image.database_path, image.server_name]).toEqual([
        "0.0.0.0",
        "/var/lib/bunduit",
        "example.org",
      ]);

      // `-v ./conduit.toml:/etc/bunduit/conduit.toml` replaces the image's file.
      writeFileSync(
        join(etc.path, "conduit.toml"),
        `[global]\nserver_name = "example.org"\naddress = "::"\ndatabase_path = "/data"\n`,
      );
      const mounted = checkConfig(etc.path);
      expect([mounted.address, mounted.database_path]).toEqual(["::", "/data"]);

      const overridden = checkConfig(etc.path, { CONDUIT_DATABASE_PATH: "/elsewhere", CONDUIT_ADDRESS: "0.0.0.0" });
      expect([overridden.address, overridden.database_path]).toEqual(["0.0.0.0", "/elsewhere"]);
    } finally {
      etc.remove();
    }
  });
});
