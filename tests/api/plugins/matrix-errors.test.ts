/**
 * What a client and the operator see when something unexpected fails inside the server
 * (issue #2): a real process whose database loses a table under it, through a second
 * SQLite connection to the same file, as an operator's mistake or a broken disk might.
 */
import { describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { createUser } from "../../support/fixtures.ts";
import { createTestServer, startServerProcess, tempDir, type ServerProcess } from "../../support/server.ts";
import { PROCESS_TEST_TIMEOUT_MS } from "../../support/process-timeout.ts";

/** The first line of the process's output that contains `text`, waiting for the pipe to deliver it. */
async function logLine(server: ServerProcess, text: string): Promise<string | undefined> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const line = server
      .output()
      .split("\n")
      .find((l) => l.includes(text));
    if (line !== undefined) return line;
    await Bun.sleep(20);
  }
  return undefined;
}

describe("an unexpected error", () => {
  test(
    "is answered 500 M_UNKNOWN with a request id that the header and the log carry too, and no internals",
    async () => {
      const dir = tempDir();
      const data = join(dir.path, "data");
      let server: ServerProcess | undefined;
      try {
        const local = createTestServer({}, { databasePath: data });
        const user = await createUser(local, undefined, null);
        local.close();
        server = await startServerProcess({ dir: dir.path });
        const url = server.url;
        const put = () =>
          fetch(`${url}/_matrix/client/v3/user/${encodeURIComponent(user.user_id)}/account_data/org.example.setting`, {
            method: "PUT",
            headers: { Authorization: `Bearer ${user.access_token}`, "Content-Type": "application/json" },
            body: JSON.stringify({ on: true }),
          });
        expect((await put()).status).toBe(200);

        const other = new Database(join(data, "bunduit.db"));
        other.run("PRAGMA busy_timeout = 5000");
        other.run("DROP TABLE account_data");
        other.close();

        const res = await put();
        expect(res.status).toBe(500);
        const requestId = res.headers.get("x-request-id");
        expect(requestId).toMatch(/^[0-9a-f]{8}$/);
        const text = await res.text();
        expect(JSON.parse(text)).toEqual({
          errcode: "M_UNKNOWN",
          error: `Internal server error (request id ${requestId})`,
        });
        // Nothing of the failure itself reaches the client: no message, no stack, no paths.
        for (const internal of ["account_data", "no such table", "SQLite", ".ts", "    at "])
          expect(text).not.toContain(internal);

        // The operator finds the request by its id, with what failed and the stack.
        const line = await logLine(server, `request_id=${requestId}`);
        expect(line).toContain("ERROR unhandled error");
        expect(line).toContain("method=PUT");
        expect(line).toContain("no such table: account_data");
        expect(line).toContain("\\n    at "); // the stack, kept for the operator

        expect(await server.stop()).toBe(0);
      } finally {
        if (server?.process.exitCode === null) await server.stop();
        dir.remove();
      }
    },
    PROCESS_TEST_TIMEOUT_MS,
  );
});
