/**
 * Delayed events against a real bunduit process that is killed (SIGKILL: no shutdown, no
 * checkpoint) while an event is scheduled, and restarted after the event fell due: the
 * event is sent when the server comes back (complement: "delayed state events are kept on
 * server restart").
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createUser, type TestUser } from "../../support/fixtures.ts";
import { DELAYED, TEST_TYPE, until } from "../../support/delayed-events.ts";
import { createRoom } from "../../support/rooms.ts";
import { createTestServer, startServerProcess, tempDir, type ServerProcess } from "../../support/server.ts";
import { PROCESS_TEST_TIMEOUT_MS } from "../../support/process-timeout.ts";

const dir = tempDir();
const data = join(dir.path, "data");
let user: TestUser;
let roomId: string;
let server: ServerProcess | undefined;

beforeAll(async () => {
  // The account and room are made through the core services on the same database file.
  const local = createTestServer({}, { databasePath: data });
  user = await createUser(local, undefined, null);
  roomId = await createRoom(local, user, {
    preset: "public_chat",
    power_level_content_override: { events: { [TEST_TYPE]: 0 } },
  });
  local.close();
});
afterAll(async () => {
  await server?.stop("SIGKILL");
  dir.remove();
});

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${server!.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${user.access_token}`, "Content-Type": "application/json" },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

const statePath = (key: string) => `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state/${TEST_TYPE}/${key}`;

describe("a killed server", () => {
  test(
    "sends the delayed event that fell due while it was down, and keeps the ones still to come",
    async () => {
      server = await startServerProcess({ dir: dir.path });
      const due = await call("PUT", `${statePath("due")}?org.matrix.msc4140.delay=1200`, { setter: "on_timeout" });
      const later = await call("PUT", `${statePath("later")}?org.matrix.msc4140.delay=600000`, { setter: "later" });
      expect([due.status, later.status]).toEqual([200, 200]);
      const scheduledAt = Date.now();
      await server.stop("SIGKILL");

      await Bun.sleep(Math.max(0, scheduledAt + 1400 - Date.now()));
      server = await startServerProcess({ dir: dir.path });
      await until(
        "the overdue event to be sent",
        async () => (await call("GET", statePath("due"))).status === 200,
        5000,
      );
      expect((await call("GET", statePath("due"))).body).toEqual({ setter: "on_timeout" });
      expect((await call("GET", statePath("later"))).status).toBe(404);
      const listing = (await call("GET", DELAYED)).body;
      expect(listing.delayed_events.map((e: { delay_id: string }) => e.delay_id)).toEqual([later.body.delay_id]);
      expect(listing.finalised[0]).toMatchObject({
        outcome: "send",
        reason: "delay",
        delayed_event: { delay_id: due.body.delay_id },
      });
    },
    PROCESS_TEST_TIMEOUT_MS,
  );
});
