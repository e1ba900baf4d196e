/**
 * Media throughput and memory: bunduit's upload and download routes against a plain
 * Bun.serve doing the same streaming work (hash while writing to a temp file, fsync,
 * rename; serve the file from disk), measured in one run so the ratios mean something on
 * any machine. Then thumbnail generation times.
 *
 *   bun bench/media.ts [--small=50] [--large=3]
 *
 * Both servers run as child processes on free loopback ports (so their RSS is theirs
 * alone); this process is the client and streams the bodies from a file. Bounded (about
 * 20 s): --small 1 MB and --large 100 MB transfers each way per server, eight thumbnails,
 * an 11 s wait for the thumbnail worker to end, then it removes its temporary directory.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../src/app.ts";
import { loadConfig } from "../src/config.ts";
import { createLogger } from "../src/logger.ts";
import { openDatabase } from "../src/storage/database.ts";
import { makeJpeg, makePng } from "../tests/support/images.ts";

const option = (name: string, fallback: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const SMALL_RUNS = option("small", 50);
const LARGE_RUNS = option("large", 3);
const MB = 1024 * 1024;

const work = mkdtempSync(join(tmpdir(), "bunduit-bench-media-"));

/** The baseline: no framework, no auth, no database; the same disk work as bunduit's upload and download. */
const PLAIN_SERVER = `
import { open, mkdir } from "node:fs/promises";
import { renameSync } from "node:fs";
const root = process.argv[2];
await mkdir(root + "/tmp", { recursive: true });
const server = Bun.serve({ hostname: "127.0.0.1", port: 0, idleTimeout: 0, maxRequestBodySize: 200 * 1024 * 1024,
  async fetch(request) {
    const url = new URL(request.url);
    if (request.method === "POST") {
      const temp = root + "/tmp/" + crypto.randomUUID();
      const handle = await open(temp, "wx");
      const hasher = new Bun.CryptoHasher("sha256");
      for await (const chunk of request.body) { hasher.update(chunk); for (let w = 0; w < chunk.byteLength; ) w += (await handle.write(chunk, w)).bytesWritten; }
      await handle.sync(); await handle.close();
      const id = hasher.digest("hex");
      renameSync(temp, root + "/" + id);
      return Response.json({ content_uri: "mxc://plain/" + id });
    }
    return new Response(Bun.file(root + "/" + url.pathname.split("/").pop()), { headers: { "Content-Type": "application/octet-stream" } });
  } });
console.log(server.port);
`;

interface Child {
  url: string;
  pid: number;
  stop: () => void;
}

/** Starts a server and reads its port from what it prints (bunduit logs to stderr). */
async function spawnServer(
  command: string[],
  from: "stdout" | "stderr",
  readPort: (line: string) => number | undefined,
): Promise<Child> {
  const child = Bun.spawn(command, { stdout: "pipe", stderr: "pipe", env: { ...process.env, BUNDUIT_TEST: "" } });
  const reader = (child[from] as ReadableStream<Uint8Array>).getReader();
  let output = "";
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
    const { value, done } = await reader.read();
    if (done) break;
    output += new TextDecoder().decode(value);
    const port = output
      .split("\n")
      .map(readPort)
      .find((p) => p !== undefined);
    if (port) return { url: `http://127.0.0.1:${port}`, pid: child.pid, stop: () => child.kill() };
  }
  child.kill();
  throw new Error(`server did not start: ${output}`);
}

async function startBunduit(): Promise<Child & { token: string; thumbnail: (path: string) => string }> {
  const data = join(work, "bunduit");
  const db = openDatabase(data);
  const { services, stores } = createApp({
    config: loadConfig(`[global]\nserver_name = "bench.local"\n`).config,
    db,
    logger: createLogger("error"),
  });
  const userId = await services.accounts.createUser("bench", null);
  stores.devices.insertDevice(userId, "BENCH", null, Date.now());
  const token = services.sessions.issueAccessToken(userId, "BENCH");
  db.close();
  writeFileSync(
    join(work, "conduit.toml"),
    `[global]\nserver_name = "bench.local"\ndatabase_path = "${data}"\nport = 0\nlog = "info"\n[global.media]\nmax_upload_size = 209715200\n`,
  );
  const child = await spawnServer(
    [process.execPath, join(import.meta.dir, "../src/main.ts"), "serve", "--config", join(work, "conduit.toml")],
    "stderr",
    (line) => {
      const match = /listening=http:\/\/127\.0\.0\.1:(\d+)/.exec(line);
      return match ? Number(match[1]) : undefined;
    },
  );
  return { ...child, token, thumbnail: (path) => `${child.url}/_matrix/client/v1/media/thumbnail/${path}` };
}

function rss(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("VmRSS:"));
  return Number(line?.split(/\s+/)[1] ?? 0) * 1024;
}

interface Transfer {
  upload_mb_s: number;
  download_mb_s: number;
  peak_rss_mb: number;
}

async function transfer(
  server: Child,
  uploadUrl: string,
  downloadUrl: (uri: string) => string,
  headers: Record<string, string>,
  file: string,
  size: number,
  runs: number,
): Promise<Transfer> {
  let peak = rss(server.pid);
  const sampler = setInterval(() => (peak = Math.max(peak, rss(server.pid))), 5);
  let uri = "";
  let started = performance.now();
  for (let i = 0; i < runs; i++) {
    const res = await fetch(uploadUrl, {
      method: "POST",
      body: Bun.file(file),
      headers: { ...headers, "Content-Type": "application/octet-stream" },
    });
    uri = ((await res.json()) as { content_uri: string }).content_uri;
  }
  const uploadSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  for (let i = 0; i < runs; i++) {
    const res = await fetch(downloadUrl(uri), { headers });
    let received = 0;
    for await (const chunk of res.body!) received += chunk.byteLength;
    if (received !== size) throw new Error(`downloaded ${received} of ${size} bytes`);
  }
  const downloadSeconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  return {
    upload_mb_s: (size * runs) / MB / uploadSeconds,
    download_mb_s: (size * runs) / MB / downloadSeconds,
    peak_rss_mb: peak / MB,
  };
}

async function main(): Promise<void> {
  const plainRoot = join(work, "plain");
  mkdirSync(plainRoot, { recursive: true });
  writeFileSync(join(work, "plain.ts"), PLAIN_SERVER);
  const plain = await spawnServer([process.execPath, join(work, "plain.ts"), plainRoot], "stdout", (line) =>
    /^\d+$/.test(line.trim()) ? Number(line) : undefined,
  );
  const bunduit = await startBunduit();
  const auth = { Authorization: `Bearer ${bunduit.token}` };
  console.log(
    `idle RSS: bunduit ${(rss(bunduit.pid) / MB).toFixed(0)} MiB, plain ${(rss(plain.pid) / MB).toFixed(0)} MiB\n`,
  );

  console.log("| size | runs | server | upload MB/s | download MB/s | peak RSS MiB | ×upload | ×download |");
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const [size, runs] of [
    [1 * MB, SMALL_RUNS],
    [100 * MB, LARGE_RUNS],
  ] as const) {
    const file = join(work, `payload-${size}`);
    const bytes = new Uint8Array(size);
    for (let offset = 0; offset < size; offset += 65536)
      crypto.getRandomValues(bytes.subarray(offset, Math.min(size, offset + 65536)));
    await Bun.write(file, bytes);
    const base = await transfer(
      plain,
      `${plain.url}/upload`,
      (uri) => `${plain.url}/download/${uri.split("/").pop()}`,
      {},
      file,
      size,
      runs,
    );
    const ours = await transfer(
      bunduit,
      `${bunduit.url}/_matrix/media/v3/upload`,
      (uri) => `${bunduit.url}/_matrix/client/v1/media/download/${uri.slice(6)}`,
      auth,
      file,
      size,
      runs,
    );
    const label = `${size / MB} MB`;
    console.log(
      `| ${label} | ${runs} | plain Bun.serve | ${base.upload_mb_s.toFixed(0)} | ${base.download_mb_s.toFixed(0)} | ${base.peak_rss_mb.toFixed(0)} | | |`,
    );
    console.log(
      `| ${label} | ${runs} | bunduit | ${ours.upload_mb_s.toFixed(0)} | ${ours.download_mb_s.toFixed(0)} | ${ours.peak_rss_mb.toFixed(0)} | ` +
        `${(ours.upload_mb_s / base.upload_mb_s).toFixed(2)} | ${(ours.download_mb_s / base.download_mb_s).toFixed(2)} |`,
    );
  }

  console.log("\n| thumbnail of | size | first (generated) ms | second (cached) ms | bunduit RSS after MiB |");
  console.log("| --- | --- | --- | --- | --- |");
  for (const [label, bytes, type] of [
    ["JPEG 4000×3000", await makeJpeg(4000, 3000), "image/jpeg"],
    ["PNG 2000×1500", await makePng(2000, 1500), "image/png"],
  ] as const) {
    const res = await fetch(`${bunduit.url}/_matrix/media/v3/upload`, {
      method: "POST",
      body: bytes,
      headers: { ...auth, "Content-Type": type },
    });
    const path = ((await res.json()) as { content_uri: string }).content_uri.slice(6);
    for (const query of [
      "width=32&height=32&method=crop",
      "width=96&height=96&method=crop",
      "width=320&height=240&method=scale",
      "width=800&height=600&method=scale",
    ]) {
      const timed = async () => {
        const started = performance.now();
        const thumb = await fetch(`${bunduit.thumbnail(path)}?${query}`, { headers: auth });
        await thumb.arrayBuffer();
        if (thumb.status !== 200) throw new Error(`thumbnail ${query}: ${thumb.status}`);
        return performance.now() - started;
      };
      const first = await timed();
      const second = await timed();
      const size = query.replace(/width=(\d+)&height=(\d+)&method=(\w+)/, "$1×$2 $3");
      console.log(
        `| ${label} | ${size} | ${first.toFixed(0)} | ${second.toFixed(1)} | ${(rss(bunduit.pid) / MB).toFixed(0)} |`,
      );
    }
  }
  // The worker ends after 10 s without jobs, giving its WebAssembly memory back.
  await Bun.sleep(11_000);
  console.log(`\nbunduit RSS 11 s after the last thumbnail: ${(rss(bunduit.pid) / MB).toFixed(0)} MiB`);
  plain.stop();
  bunduit.stop();
}

try {
  await main();
} finally {
  rmSync(work, { recursive: true, force: true });
}
