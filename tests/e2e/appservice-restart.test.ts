/**
 * The real bunduit process is killed while a transaction is in flight to an appservice,
 * then started again: the appservice ends up with every room event and to-device message
 * exactly once, in order, and the transaction that was in flight comes back with the same
 * txnId and body.
 */
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { registration, startFakeAppservice } from "../support/fake-appservice.ts";
import { startServerProcess, tempDir, type ServerProcess } from "../support/server.ts";

async function call(server: ServerProcess, method: string, path: string, body: unknown, token?: string) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe("appservice delivery across a crash of bunduit", () => {
  test("kill -9 mid-transaction: nothing lost, nothing doubled after dedupe, order kept", async () => {
    const dir = tempDir();
    const fake = await startFakeAppservice();
    let server: ServerProcess | undefined;
    try {
      const as = registration({ url: fake.url, hs_token: fake.hsToken, receive_ephemeral: true });
      as.namespaces.rooms = [{ regex: "!.*", exclusive: false }];
      writeFileSync(join(dir.path, "bridge.yaml"), JSON.stringify(as));
      const toml =
        `[global]\nserver_name = "test.local"\ndatabase_path = "${join(dir.path, "data")}"\nport = 1\nallow_registration = true\n` +
        `app_service_config_files = ["${join(dir.path, "bridge.yaml")}"]\n[global.rate_limits]\nenabled = false\n` +
        `[global.appservices]\nretry_min_ms = 20\nretry_max_ms = 200\n`;
      server = await startServerProcess({ dir: dir.path, toml });

      const sender = await call(server, "POST", "/_matrix/client/v3/register", {
        username: "alice",
        password: "pw",
        auth: { type: "m.login.dummy" },
      });
      expect(sender.status).toBe(200);
      const ghostId = `@_${as.id}_ghost:test.local`;
      const ghost = await call(
        server,
        "POST",
        "/_matrix/client/v3/register",
        { type: "m.login.application_service", username: `_${as.id}_ghost`, device_id: "G" },
        as.as_token,
      );
      expect(ghost.status).toBe(200);
      const room = await call(server, "POST", "/_matrix/client/v3/createRoom", {}, sender.body.access_token);
      expect(room.status).toBe(200);
      const roomPath = `/_matrix/client/v3/rooms/${encodeURIComponent(room.body.room_id)}`;
      await fake.waitFor(() => fake.items("events").length > 0);

      // The appservice takes the first transaction but never answers while bunduit lives.
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let stalledPath: string | undefined;
      fake.onRequest(async (_request, path) => {
        if (!path.startsWith("/_matrix/app/v1/transactions/") || stalledPath !== undefined) return undefined;
        stalledPath = path;
        await released;
        return undefined;
      });
      let n = 0;
      const send = async () => {
        const res = await call(
          server!,
          "PUT",
          `/_matrix/client/v3/sendToDevice/m.test/t${n}`,
          { messages: { [ghostId]: { G: { n } } } },
          sender.body.access_token,
        );
        expect(res.status).toBe(200);
        const message = await call(
          server!,
          "PUT",
          `${roomPath}/send/m.room.message/m${n}`,
          { msgtype: "m.text", body: `${n}` },
          sender.body.access_token,
        );
        expect(message.status).toBe(200);
        n++;
      };
      for (let i = 0; i < 5; i++) await send();
      await fake.waitFor(() => stalledPath !== undefined);

      expect(await server.stop("SIGKILL")).not.toBe(0);
      release(); // the appservice processes the transaction whose 200 bunduit never saw

      server = await startServerProcess({ dir: dir.path, toml });
      for (let i = 0; i < 5; i++) await send();
      const messages = () => fake.items("events").filter((e) => e.type === "m.room.message");
      await fake.waitFor(
        () => fake.items("de.sorunome.msc2409.to_device").length === 10 && messages().length === 10,
        10_000,
      );

      const tenInOrder = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
      expect(fake.items("de.sorunome.msc2409.to_device").map((m) => m.content.n)).toEqual(tenInOrder);
      expect(messages().map((e) => Number(e.content.body))).toEqual(tenInOrder);
      // The transaction that was in flight was sent again after the restart, identical.
      const again = fake.requests.filter((r) => r.path === stalledPath);
      expect(again.length).toBeGreaterThanOrEqual(2);
      expect(new Set(again.map((r) => r.body)).size).toBe(1);
    } finally {
      await server?.stop("SIGKILL");
      await fake.stop();
      dir.remove();
    }
  }, 30_000);
});
