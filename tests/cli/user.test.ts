import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { createTestServer, startServerProcess, tempDir } from "../support/server.ts";
import { PROCESS_TEST_TIMEOUT_MS } from "../support/process-timeout.ts";

setDefaultTimeout(PROCESS_TEST_TIMEOUT_MS);

const MAIN = join(import.meta.dir, "../../src/main.ts");

function bunduit(args: string[], cwd: string) {
  const result = Bun.spawnSync([process.execPath, MAIN, ...args], { cwd, env: { ...process.env, BUNDUIT_TEST: "" } });
  return { code: result.exitCode, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
}

const login = (user: string, password: string) => ({
  type: "m.login.password",
  identifier: { type: "m.id.user", user },
  password,
});

async function writeConfig(dir: string): Promise<void> {
  await Bun.write(
    join(dir, "conduit.toml"),
    `[global]\nserver_name = "test.local"\ndatabase_path = "${join(dir, "data")}"\n`,
  );
}

describe("bunduit user", () => {
  test("a user created with the server stopped can log in with the printed password", async () => {
    const dir = tempDir();
    try {
      await writeConfig(dir.path);
      const created = bunduit(["user", "create", "alice", "--admin"], dir.path);
      expect(created.code).toBe(0);
      expect(created.stdout).toContain("created @alice:test.local (admin)");
      const password = /password: (\S+)/.exec(created.stdout)?.[1];
      expect(password?.length).toBeGreaterThanOrEqual(20);

      const server = createTestServer({}, { databasePath: join(dir.path, "data") });
      try {
        const res = await server.post("/_matrix/client/v3/login", login("alice", password!));
        expect(res.status).toBe(200);
        expect(res.body.user_id).toBe("@alice:test.local");
        expect((await server.get("/_matrix/client/v3/profile/%40alice%3Atest.local")).body).toEqual({
          displayname: "alice",
        });
        expect(server.stores.accounts.selectUser("@alice:test.local")?.is_admin).toBe(1);
      } finally {
        server.close();
      }
    } finally {
      dir.remove();
    }
  });

  test("works on the database of a running server: create, reset-password, deactivate, list", async () => {
    const dir = tempDir();
    const server = await startServerProcess({ dir: dir.path });
    try {
      const config = ["--config", join(dir.path, "conduit.toml")];
      expect(bunduit(["user", "create", "@bob:test.local", "--password", "first pass", ...config], dir.path).code).toBe(
        0,
      );
      const first = await fetch(`${server.url}/_matrix/client/v3/login`, {
        method: "POST",
        body: JSON.stringify(login("bob", "first pass")),
      });
      expect(first.status).toBe(200);
      const { access_token } = (await first.json()) as { access_token: string };

      const reset = bunduit(["user", "reset-password", "bob", "--password", "second pass", ...config], dir.path);
      expect(reset.code).toBe(0);
      const whoami = await fetch(`${server.url}/_matrix/client/v3/account/whoami`, {
        headers: { Authorization: `Bearer ${access_token}` },
      });
      expect(whoami.status).toBe(401);
      expect(
        (
          await fetch(`${server.url}/_matrix/client/v3/login`, {
            method: "POST",
            body: JSON.stringify(login("bob", "second pass")),
          })
        ).status,
      ).toBe(200);

      expect(bunduit(["user", "deactivate", "bob", ...config], dir.path).code).toBe(0);
      expect(
        (
          await fetch(`${server.url}/_matrix/client/v3/login`, {
            method: "POST",
            body: JSON.stringify(login("bob", "second pass")),
          })
        ).status,
      ).toBe(403);

      const list = bunduit(["user", "list", ...config], dir.path);
      expect(list.code).toBe(0);
      expect(list.stdout).toMatch(/@bob:test\.local\t\S+\tdeactivated/);
      expect(list.stdout).toContain("1 user");
    } finally {
      await server.stop();
      dir.remove();
    }
  });

  test("reports mistakes with a non-zero exit", async () => {
    const dir = tempDir();
    try {
      await writeConfig(dir.path);
      expect(bunduit(["user", "create", "carol", "--password", "x"], dir.path).code).toBe(0);
      const again = bunduit(["user", "create", "carol"], dir.path);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain("already taken");
      expect(bunduit(["user", "create", "bad name!"], dir.path).stderr).toContain("User ID may only contain");
      expect(bunduit(["user", "create", "@carol:elsewhere.org"], dir.path).code).toBe(1);
      expect(bunduit(["user", "reset-password", "nobody"], dir.path).stderr).toContain("no user nobody");
      expect(bunduit(["user", "frobnicate"], dir.path).code).toBe(2);
      expect(bunduit(["user", "create"], dir.path).code).toBe(2);
      expect(bunduit(["--help"], dir.path).stdout).toContain("bunduit user create NAME");
    } finally {
      dir.remove();
    }
  });
});
