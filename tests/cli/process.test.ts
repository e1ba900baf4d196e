import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { startServerProcess, tempDir } from "../support/server.ts";
import { PROCESS_TEST_TIMEOUT_MS } from "../support/process-timeout.ts";

setDefaultTimeout(PROCESS_TEST_TIMEOUT_MS);

const MAIN = join(import.meta.dir, "../../src/main.ts");

function run(args: string[], cwd: string, env: Record<string, string> = {}) {
  const result = Bun.spawnSync([process.execPath, MAIN, ...args], {
    cwd,
    env: { ...process.env, BUNDUIT_TEST: "", ...env },
  });
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
      expect(log).toMatch(
        /bunduit started version=\S+ server_name=test\.local listening=http:\/\/127\.0\.0\.1:\d+\/ database=\S+bunduit\.db/,
      );
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

  test("the CLI commands also refuse an unopenable database_path with one line", async () => {
    const dir = tempDir();
    try {
      const notADirectory = join(dir.path, "plain-file");
      await Bun.write(notADirectory, "");
      for (const command of [
        ["user", "list"],
        ["appservice", "list"],
        ["media", "purge", "--before", "2020-01-01"],
      ]) {
        const result = run(command, dir.path, { CONDUIT_DATABASE_PATH: join(notADirectory, "data") });
        expect(result.code).toBe(1);
        expect(result.stderr.trim()).toStartWith(
          `bunduit: cannot open the database in ${join(notADirectory, "data")} (ENOTDIR): database_path must be a directory`,
        );
        expect(result.stderr.trim().split("\n")).toHaveLength(1);
      }
    } finally {
      dir.remove();
    }
  });

  test("settings that would start a broken or open server stop it before it listens, naming the variable or the file", async () => {
    const dir = tempDir();
    try {
      const emptyToken = run(["serve"], dir.path, { CONDUIT_REGISTRATION_TOKEN: "", CONDUIT_PORT: "0" });
      expect(emptyToken.code).toBe(1);
      expect(emptyToken.stderr).toContain(
        'environment variable CONDUIT_REGISTRATION_TOKEN="": [global] registration_token is empty',
      );
      expect(emptyToken.stderr).not.toContain("bunduit started");

      await Bun.write(join(dir.path, "conduit.toml"), `[global]\nserver_name = "not a valid name!"\nport = 6167\n`);
      const badName = run(["serve"], dir.path, { CONDUIT_PORT: "x" });
      expect(badName.code).toBe(1);
      expect(badName.stderr).toContain("conduit.toml:2: [global] server_name:");
      expect(badName.stderr).toContain('environment variable CONDUIT_PORT="x": [global] port:');

      await Bun.write(join(dir.path, "flat.toml"), `server_name = "example.org"\n`);
      await Bun.write(join(dir.path, "empty.toml"), "");
      expect(run(["check-config", "--config", "flat.toml"], dir.path).stderr).toContain("flat.toml: no [global] table");
      const empty = run(["check-config", "--config", "empty.toml"], dir.path);
      expect(empty.code).toBe(1);
      expect(empty.stderr).toContain("empty.toml is empty");
    } finally {
      dir.remove();
    }
  });

  test("with registration closed and no account, the start-up log says how to create the first one; not once one exists", async () => {
    const dir = tempDir();
    try {
      const config = join(dir.path, "conduit.toml");
      const first = await startServerProcess({ dir: dir.path });
      expect(await first.stop()).toBe(0);
      expect(first.output()).toMatch(
        /WARN +registration is closed and no account exists yet: create the first one with `.+ --config \S+conduit\.toml user create NAME --admin`/,
      );
      // The command in the log works as printed (here: bun and this source file).
      const printed = /with `(.+) user create NAME --admin`/.exec(first.output())![1]!;
      expect(printed).toBe(`bun ${MAIN} --config ${config}`);
      expect(run(["--config", config, "user", "create", "admin", "--admin"], dir.path).code).toBe(0);

      const again = await startServerProcess({ dir: dir.path });
      expect(await again.stop()).toBe(0);
      expect(again.output()).toContain("bunduit started");
      expect(again.output()).not.toContain("no account exists");
    } finally {
      dir.remove();
    }
  });

  test("check-config prints the effective config with secrets masked", async () => {
    const dir = tempDir();
    try {
      await Bun.write(
        join(dir.path, "conduit.toml"),
        `[global]\nserver_name = "example.org"\nregistration_token = "sekrit"\n`,
      );
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
