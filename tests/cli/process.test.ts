import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { startServerProcess, tempDir } from "../support/server.ts";

const MAIN = join(import.meta.dir, "../../src/main.ts");

function run(args: string[], cwd: string, env: Record<string, string> = {}) {
  const result = Bun.spawnSync([process.execPath, MAIN, ...args], { cwd, env: { ...process.env, BUNDUIT_TEST: "", ...env } });
  return { code: result.exitCode, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
}

// Behaviour only. Idle RSS and start-to-first-response (performance.md targets) are not
// asserted here: timings on a shared CI machine are noise. Speed is measured in bench/.
describe("the bunduit process", () => {
  test("starts, logs one start line, answers, and exits 0 on SIGTERM", async () => {
    const dir = tempDir();
    try {
      const server = await startServerProcess({ dir: dir.path });
      const res = await fetch(`${server.url}/_matrix/client/versions`);
      expect(res.status).toBe(200);
      expect(await server.stop("SIGTERM")).toBe(0);
      const log = server.output();
      expect(log).toMatch(/bunduit started version=\S+ server_name=test\.local listening=http:\/\/127\.0\.0\.1:\d+\/ database=\S+bunduit\.db/);
      expect(log).toContain("stopped");
    } finally {
      dir.remove();
    }
  });

  test("SIGINT stops listening and exits 0; the database reopens cleanly", async () => {
    const dir = tempDir();
    try {
      const server = await startServerProcess({ dir: dir.path });
      expect((await fetch(`${server.url}/_matrix/key/v2/server`)).status).toBe(200);
      expect(await server.stop("SIGINT")).toBe(0);
      expect(fetch(`${server.url}/_matrix/client/versions`)).rejects.toThrow();
      const again = await startServerProcess({ dir: dir.path });
      expect((await fetch(`${again.url}/_matrix/client/versions`)).status).toBe(200);
      expect(await again.stop()).toBe(0);
    } finally {
      dir.remove();
    }
  });

  test("a bad config file prints the problem and exits non-zero without serving", () => {
    const dir = tempDir();
    try {
      Bun.write(join(dir.path, "bad.toml"), `[global]\nport = "x"\n`);
      const result = run(["serve", "--config", join(dir.path, "bad.toml")], dir.path);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain("port");
      expect(result.stderr).toContain("bad.toml:2");
    } finally {
      dir.remove();
    }
  });

  test("a database_path that cannot be a directory is refused with one clear line, not a stack trace", async () => {
    const dir = tempDir();
    try {
      const notADirectory = join(dir.path, "plain-file");
      await Bun.write(notADirectory, "");
      const result = run(["serve"], dir.path, { CONDUIT_DATABASE_PATH: notADirectory, CONDUIT_PORT: "0" });
      expect(result.code).toBe(1);
      expect(result.stderr).toStartWith(`bunduit: cannot open the database in ${notADirectory}`);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
    } finally {
      dir.remove();
    }
  });

  test("check-config prints the effective config with secrets masked", async () => {
    const dir = tempDir();
    try {
      await Bun.write(join(dir.path, "conduit.toml"), `[global]\nserver_name = "example.org"\nregistration_token = "sekrit"\n`);
      const result = run(["check-config"], dir.path, { CONDUIT_PORT: "9000" });
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('"server_name": "example.org"');
      expect(result.stdout).toContain('"port": 9000');
      expect(result.stdout).not.toContain("sekrit");
    } finally {
      dir.remove();
    }
  });

  test("CONDUIT_CONFIG names the file when --config is absent", async () => {
    const dir = tempDir();
    try {
      await Bun.write(join(dir.path, "elsewhere.toml"), `[global]\nserver_name = "from-env-file.org"\n`);
      const result = run(["check-config"], dir.path, { CONDUIT_CONFIG: join(dir.path, "elsewhere.toml") });
      expect(result.stdout).toContain("from-env-file.org");
    } finally {
      dir.remove();
    }
  });

  test("version and --help", () => {
    expect(run(["version"], "/").stdout).toMatch(/^bunduit \d+\.\d+\.\d+/);
    expect(run(["--help"], "/").stdout).toContain("check-config");
    expect(run(["frobnicate"], "/").code).not.toBe(0);
  });
});
