import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { registration } from "../support/fake-appservice.ts";
import { startServerProcess, tempDir } from "../support/server.ts";
import { PROCESS_TEST_TIMEOUT_MS } from "../support/process-timeout.ts";

setDefaultTimeout(PROCESS_TEST_TIMEOUT_MS);

const MAIN = join(import.meta.dir, "../../src/main.ts");

function run(args: string[], cwd: string) {
  const result = Bun.spawnSync([process.execPath, MAIN, ...args], { cwd, env: { ...process.env, BUNDUIT_TEST: "" } });
  return { code: result.exitCode, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
}

function setup() {
  const dir = tempDir();
  const config = join(dir.path, "conduit.toml");
  writeFileSync(
    config,
    `[global]\nserver_name = "test.local"\nport = 1\ndatabase_path = "${join(dir.path, "data")}"\n[global.appservices]\npoll_interval_ms = 100\n`,
  );
  const write = (name: string, content: unknown) => {
    const path = join(dir.path, name);
    writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
    return path;
  };
  return { dir, config, write, cli: (...args: string[]) => run([...args, "--config", config], dir.path) };
}

describe("bunduit appservice", () => {
  test("register, list and unregister", () => {
    const { dir, write, cli } = setup();
    try {
      const as = registration({ url: "http://127.0.0.1:9009" });
      const file = write("bridge.yaml", as);
      const registered = cli("appservice", "register", file);
      expect(registered).toMatchObject({ code: 0, stderr: "" });
      expect(registered.stdout).toBe(
        `registered appservice ${as.id} (sender @${as.sender_localpart}:test.local, url http://127.0.0.1:9009)\n`,
      );
      const listed = cli("appservice", "list");
      expect(listed.stdout).toContain(
        `${as.id}\thttp://127.0.0.1:9009\t@${as.sender_localpart}:test.local\tcli:${file}\tqueued=0`,
      );
      expect(listed.stdout).toEndWith("1 appservice\n");
      const again = cli("appservice", "register", file);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain("is already registered");
      expect(cli("appservice", "register", file, "--replace").code).toBe(0);
      expect(cli("appservice", "unregister", as.id)).toMatchObject({ code: 0 });
      expect(cli("appservice", "unregister", as.id)).toMatchObject({
        code: 1,
        stderr: `bunduit: no appservice with id ${as.id}\n`,
      });
      expect(cli("appservice", "list").stdout).toBe("0 appservices\n");
    } finally {
      dir.remove();
    }
  });

  test("a bad file is refused with every problem on one line, and nothing is registered", () => {
    const { dir, write, cli } = setup();
    try {
      const file = write(
        "bad.yaml",
        "id: x\nurl: null\nas_token: a\nhs_token: a\nsender_localpart: x\nnamespaces:\n  users:\n    - regex: '@(x'\n      exclusive: true\n",
      );
      const result = cli("appservice", "register", file);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        `bunduit: application service registration ${file}: as_token and hs_token must differ; namespaces.users[0].regex "@(x" is not a valid regular expression`,
      );
      expect(cli("appservice", "list").stdout).toBe("0 appservices\n");
      expect(cli("appservice", "register").code).toBe(2);
    } finally {
      dir.remove();
    }
  });

  test("a running server accepts a registration made by the CLI, and forgets an unregistered one, without a restart", async () => {
    const { dir, write, cli, config } = setup();
    const server = await startServerProcess({ dir: dir.path, toml: await Bun.file(config).text() });
    try {
      const as = registration();
      const whoami = () =>
        fetch(`${server.url}/_matrix/client/v3/account/whoami`, {
          headers: { Authorization: `Bearer ${as.as_token}` },
        });
      expect((await whoami()).status).toBe(401);
      expect(cli("appservice", "register", write("bot.yaml", as)).code).toBe(0);
      const deadline = Date.now() + 5000;
      while ((await whoami()).status !== 200 && Date.now() < deadline) await Bun.sleep(50);
      expect(await (await whoami()).json()).toEqual({ user_id: `@${as.sender_localpart}:test.local`, is_guest: false });
      expect(cli("appservice", "unregister", as.id).code).toBe(0);
      while ((await whoami()).status !== 401 && Date.now() < deadline) await Bun.sleep(50);
      expect((await whoami()).status).toBe(401);
    } finally {
      await server.stop();
      dir.remove();
    }
  });

  test("a bad app_service_config_files entry stops the server with one clear line", () => {
    const { dir, write } = setup();
    try {
      const file = write("broken.yaml", "id: x\n");
      const config = write(
        "bad.toml",
        `[global]\ndatabase_path = "${join(dir.path, "data")}"\napp_service_config_files = ["${file}"]\n`,
      );
      const result = run(["serve", "--config", config], dir.path);
      expect(result.code).toBe(1);
      expect(result.stderr).toStartWith(`bunduit: application service registration ${file}: url is missing`);
    } finally {
      dir.remove();
    }
  });
});
