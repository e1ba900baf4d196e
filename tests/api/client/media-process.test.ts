/**
 * Media over real sockets against the real server process: a large file streamed both
 * ways, and an upload cut off mid-body.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createUser } from "../../support/fixtures.ts";
import { createTestServer, startServerProcess, tempDir, type ServerProcess } from "../../support/server.ts";
import { PROCESS_TEST_TIMEOUT_MS } from "../../support/process-timeout.ts";

/** Resident memory of a process, in bytes (Linux). */
function rss(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("VmRSS:"));
  return Number(line?.split(/\s+/)[1] ?? 0) * 1024;
}

describe("media over HTTP against the server process", () => {
  const dir = tempDir();
  let server: ServerProcess;
  let token: string;
  const data = join(dir.path, "data");
  const tmp = join(data, "media", "tmp");
  const mediaRows = () => {
    const db = new Database(join(data, "bunduit.db"), { readonly: true });
    try {
      return db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM media").get()!.n;
    } finally {
      db.close();
    }
  };

  beforeAll(async () => {
    server = await startServerProcess({ dir: dir.path });
    // An account made through the core services on the same database file.
    const local = createTestServer({}, { databasePath: data });
    token = (await createUser(local)).access_token;
    local.close();
  }, PROCESS_TEST_TIMEOUT_MS);
  afterAll(async () => {
    await server.stop();
    dir.remove();
  });

  test("a 50 MB file streams up and down intact, without the server holding it in memory", async () => {
    const size = 50 * 1024 * 1024;
    const bytes = new Uint8Array(size);
    for (let offset = 0; offset < size; offset += 65536) crypto.getRandomValues(bytes.subarray(offset, offset + 65536));
    const digest = new Bun.CryptoHasher("sha256").update(bytes).digest("hex");
    const pid = server.process.pid;
    const before = rss(pid);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rss(pid))), 5);

    const res = await fetch(`${server.url}/_matrix/media/v3/upload?filename=big.bin`, {
      method: "POST",
      body: bytes,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/octet-stream" },
    });
    expect(res.status).toBe(200);
    const { content_uri } = (await res.json()) as { content_uri: string };

    const download = await fetch(`${server.url}/_matrix/client/v1/media/download/${content_uri.slice(6)}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(download.headers.get("content-length")).toBe(String(size));
    const hasher = new Bun.CryptoHasher("sha256");
    for await (const chunk of download.body!) hasher.update(chunk);
    clearInterval(sampler);
    expect(hasher.digest("hex")).toBe(digest);
    // Buffering the file would cost at least its 50 MB; streaming costs some chunks awaiting GC
    // (measured: 8–24 MB for files of 10 to 100 MB alike).
    expect(peak - before).toBeLessThan(size * 0.75);

    const tail = await fetch(`${server.url}/_matrix/client/v1/media/download/${content_uri.slice(6)}`, {
      headers: { Authorization: `Bearer ${token}`, Range: `bytes=${size - 10}-` },
    });
    expect([tail.status, tail.headers.get("content-range")]).toEqual([206, `bytes ${size - 10}-${size - 1}/${size}`]);
    expect(new Uint8Array(await tail.arrayBuffer())).toEqual(bytes.subarray(size - 10));
  }, 60_000);

  test("an upload cut off mid-body leaves no row and no temp file", async () => {
    const rowsBefore = mediaRows();
    const { promise: closed, resolve } = Promise.withResolvers<void>();
    const socket = await Bun.connect({
      hostname: "127.0.0.1",
      port: server.port,
      socket: { data() {}, close: () => resolve() },
    });
    socket.write(
      `POST /_matrix/media/v3/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
        "Content-Type: application/octet-stream\r\nContent-Length: 10000000\r\n\r\n",
    );
    socket.write(new Uint8Array(1_000_000));
    // The server is writing the temp file now.
    for (let i = 0; i < 100 && !(existsSync(tmp) && readdirSync(tmp).length > 0); i++) await Bun.sleep(10);
    expect(readdirSync(tmp).length).toBe(1);
    socket.terminate();
    await closed;
    for (let i = 0; i < 100 && readdirSync(tmp).length > 0; i++) await Bun.sleep(10);
    expect(readdirSync(tmp)).toEqual([]);
    expect(mediaRows()).toBe(rowsBefore);
    // And the server is fine.
    expect(
      (await fetch(`${server.url}/_matrix/client/v1/media/config`, { headers: { Authorization: `Bearer ${token}` } }))
        .status,
    ).toBe(200);
  });
});
