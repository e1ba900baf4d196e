/**
 * A background task that fails must not take the server down: it is logged with its name and
 * error, runs again at its next interval, and recovers once the cause is gone. The failure is
 * real: the upload temp directory (media/tmp) is a regular file, so the temp-file sweep cannot
 * read it, until the test puts a directory there.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, renameSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startServerProcess, tempDir, type ServerProcess } from "../support/server.ts";

const V3 = "/_matrix/client/v3";
let dir: ReturnType<typeof tempDir>;
let server: ServerProcess;
let tmp: string;

beforeAll(async () => {
  dir = tempDir();
  tmp = join(dir.path, "data", "media", "tmp");
  mkdirSync(join(dir.path, "data", "media"), { recursive: true });
  writeFileSync(tmp, "a file where the upload temp directory belongs");
  server = await startServerProcess({
    dir: dir.path,
    toml:
      `[global]\nserver_name = "test.local"\ndatabase_path = "${dir.path}/data"\nport = 0\nallow_registration = true\n` +
      `[global.rate_limits]\nenabled = false\n[global.maintenance]\ntemporary_file_sweep_interval_ms = 100\n`,
  });
});

afterAll(async () => {
  await server.stop();
  dir.remove();
});

/** Waits until the server's log matches `pattern` (bounded: 200 checks, 50 ms apart). */
async function logLine(pattern: RegExp): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const line = server
      .output()
      .split("\n")
      .find((l) => pattern.test(l));
    if (line) return line;
    await Bun.sleep(50);
  }
  throw new Error(`no log line matching ${pattern} in:\n${server.output()}`);
}

async function call(method: string, path: string, body?: unknown, token?: string) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as any };
}

test("a failing background task is logged and retried while the server keeps answering; it recovers once the cause is gone", async () => {
  // It failed, was tried again at its interval, and failed again: logged each time with its name and error.
  const failure = await logLine(/ERROR background task failed task=temporary-file-sweep consecutive_failures=2 /);
  expect(failure).toContain("ENOTDIR");

  // Meanwhile the server answers, reads and writes.
  const username = "survivor";
  const first = await call("POST", `${V3}/register`, { username, password: "a good password" });
  const registered = await call("POST", `${V3}/register`, {
    username,
    password: "a good password",
    auth: { type: "m.login.dummy", session: first.body.session },
  });
  expect(registered.status).toBe(200);
  const token = registered.body.access_token as string;
  const room = await call("POST", `${V3}/createRoom`, {}, token);
  expect(room.status).toBe(200);
  const sent = await call(
    "PUT",
    `${V3}/rooms/${encodeURIComponent(room.body.room_id)}/send/m.room.message/1`,
    { msgtype: "m.text", body: "still here" },
    token,
  );
  expect(sent.status).toBe(200);
  const messages = await call(
    "GET",
    `${V3}/rooms/${encodeURIComponent(room.body.room_id)}/messages?dir=b&limit=5`,
    undefined,
    token,
  );
  expect(messages.body.chunk.map((event: { event_id: string }) => event.event_id)).toContain(sent.body.event_id);

  // The cause goes away: a real temp directory, holding a leftover of a crash two hours ago.
  const ready = join(dir.path, "data", "media", "tmp-ready");
  mkdirSync(ready);
  writeFileSync(join(ready, "left-by-a-crash"), "half an upload");
  const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
  utimesSync(join(ready, "left-by-a-crash"), twoHoursAgo, twoHoursAgo);
  rmSync(tmp);
  renameSync(ready, tmp);
  const leftover = join(tmp, "left-by-a-crash");

  await logLine(/INFO {2}background task recovered task=temporary-file-sweep /);
  // The sweep works again: it deletes the leftover (at its next run, if the first saw no directory yet).
  for (let i = 0; i < 100 && existsSync(leftover); i++) await Bun.sleep(50);
  expect(existsSync(leftover)).toBe(false);
  expect(server.process.exitCode).toBeNull();
  expect((await fetch(`${server.url}/_matrix/client/versions`)).status).toBe(200);
}, 30_000);
