/**
 * Throughput and latency of bunduit's cheapest routes against a plain Bun.serve doing the
 * same work, measured in one run so that the ratios mean something on any machine
 * (see /work/shared/design/performance.md and bench/README.md).
 *
 *   bun bench/versions.ts [--seconds=5] [--warmup=1] [--connections=64] [--tool=wrk|fetch]
 *
 * Both servers run in this process, on free loopback ports; the load comes from wrk or a
 * child Bun process. Server CPU per request is this process's CPU time over the requests
 * it answered, which stays meaningful even when the load generator is the bottleneck.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../src/app.ts";
import { SUPPORTED_VERSIONS } from "../src/api/client/versions.ts";
import { loadConfig } from "../src/config.ts";
import { createLogger } from "../src/logger.ts";
import { openDatabase } from "../src/storage/database.ts";
import { availableTool, runLoad, type LoadResult, type LoadTool } from "./load.ts";

const WHOAMI = "/_matrix/client/v3/account/whoami";

function option(name: string, fallback: string): string {
  const prefix = `--${name}=`;
  return process.argv.find((a) => a.startsWith(prefix))?.slice(prefix.length) ?? fallback;
}

const seconds = Number(option("seconds", "5"));
const warmup = Number(option("warmup", "1"));
const connections = Number(option("connections", "64"));
const tool = option("tool", availableTool()) as LoadTool;

/** bunduit as main.ts builds it, on a temp database. */
function startBunduit(dataDir: string) {
  const { config } = loadConfig(`[global]\nserver_name = "bench.local"\n[global.rate_limits]\nenabled = false\n`);
  const db = openDatabase(dataDir);
  const built = createApp({ config, db, logger: createLogger("error") });
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    reusePort: false,
    idleTimeout: 0,
    maxRequestBodySize: config.max_request_size + 1024,
    fetch: (request) => built.app.handle(request),
  });
  built.app.server = server as never;
  return { ...built, db, server };
}

/** The baseline: Bun.serve with no framework, answering the same bodies. */
function startPlain() {
  return Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    reusePort: false,
    routes: {
      "/hello": () => new Response("hello"),
      "/_matrix/client/versions": () => Response.json({ versions: SUPPORTED_VERSIONS, unstable_features: {} }),
    },
    fetch: () => new Response("not found", { status: 404 }),
  });
}

/** An access token for a fresh account, made through the core services as the test fixtures do. */
async function benchToken(app: ReturnType<typeof startBunduit>): Promise<string> {
  const userId = await app.services.accounts.createUser("bench", null);
  app.stores.devices.insertDevice(userId, "BENCH", null, Date.now());
  return app.services.sessions.issueAccessToken(userId, "BENCH");
}

interface Measured extends LoadResult {
  rps: number;
  cpu_us_per_request: number;
}

async function measure(url: string, headers: Record<string, string> = {}): Promise<Measured> {
  if (warmup > 0) await runLoad(tool, { url, headers, connections, seconds: warmup });
  const cpuBefore = process.cpuUsage();
  const result = await runLoad(tool, { url, headers, connections, seconds });
  const cpu = process.cpuUsage(cpuBefore);
  return {
    ...result,
    rps: result.requests / result.seconds,
    cpu_us_per_request: (cpu.user + cpu.system) / Math.max(1, result.requests),
  };
}

function row(name: string, m: Measured, baseline?: Measured, target?: string): string {
  const ratio = baseline ? (m.rps / baseline.rps).toFixed(2) : "";
  const cpuRatio = baseline ? (baseline.cpu_us_per_request / m.cpu_us_per_request).toFixed(2) : "";
  return [
    name.padEnd(34),
    m.rps.toFixed(0).padStart(9),
    m.p50_ms.toFixed(2).padStart(8),
    m.p99_ms.toFixed(2).padStart(8),
    m.cpu_us_per_request.toFixed(1).padStart(9),
    String(m.errors).padStart(7),
    ratio.padStart(7),
    cpuRatio.padStart(8),
    target ? `  target ${target}` : "",
  ].join("");
}

async function main(): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), "bunduit-bench-"));
  const bunduit = startBunduit(dataDir);
  const plain = startPlain();
  // Stops by itself even if a load run hangs: every run is bounded, plus a margin.
  const budgetMs = (4 * (seconds + warmup) + 30) * 1000;
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench: did not finish within ${budgetMs / 1000} s; giving up\n`);
    process.exit(2);
  }, budgetMs);
  try {
    const base = bunduit.server.url.href.replace(/\/$/, "");
    const plainBase = plain.url.href.replace(/\/$/, "");
    const token = await benchToken(bunduit);
    const auth = { Authorization: `Bearer ${token}` };
    const whoami = await fetch(`${base}${WHOAMI}`, { headers: auth });
    const whoamiBody = await whoami.text();

    process.stdout.write(
      `bunduit bench: Bun ${Bun.version}, ${navigator.hardwareConcurrency} CPUs, load by ${tool}, ` +
        `${connections} connections, ${seconds} s per run after ${warmup} s warm-up\n\n`,
    );
    process.stdout.write(
      `${"route".padEnd(34)}${"req/s".padStart(9)}${"p50 ms".padStart(8)}${"p99 ms".padStart(8)}` +
        `${"CPU µs".padStart(9)}${"errors".padStart(7)}${"×rps".padStart(7)}${"×CPU".padStart(8)}\n`,
    );
    const plainVersions = await measure(`${plainBase}/_matrix/client/versions`);
    process.stdout.write(`${row("plain Bun.serve /versions", plainVersions)}\n`);
    const versions = await measure(`${base}/_matrix/client/versions`);
    process.stdout.write(`${row("bunduit GET /versions", versions, plainVersions)}\n`);
    const hello = await measure(`${plainBase}/hello`);
    process.stdout.write(`${row("plain Bun.serve /hello", hello)}\n`);
    if (whoami.status === 200) {
      const authed = await measure(`${base}${WHOAMI}`, auth);
      process.stdout.write(`${row("bunduit GET /account/whoami", authed, hello, "≥ 0.50")}\n`);
    } else {
      process.stdout.write(
        `${"bunduit GET /account/whoami".padEnd(34)}  skipped: answers ${whoami.status} ${whoamiBody.slice(0, 80)}\n`,
      );
    }
    process.stdout.write(
      "\n×rps: throughput over the plain route's. ×CPU: the plain route's server CPU per request over\n" +
        "this route's (1.00 = as cheap as the plain route); it holds even when the load generator,\n" +
        "not the server, is the limit. Ratios compare runs of this one invocation only.\n",
    );
    return 0;
  } finally {
    clearTimeout(watchdog);
    await plain.stop(true);
    await bunduit.server.stop(true);
    bunduit.shutdown();
    bunduit.db.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

process.exit(await main());
