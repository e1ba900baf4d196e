/**
 * Benchmark: sending into one room over HTTP, and paginating 1,000 events back, against a
 * plain Bun route doing the minimal work on the same machine (bench/send-servers.ts).
 * Both servers run in a child process on 127.0.0.1; this process drives the load, so the
 * two are measured the same way and the ratio is what counts (docs/performance.md).
 *
 *   bun bench/send.ts [--seconds 5] [--concurrency 16]
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { numberOption } from "./options.ts";
import type { Ready } from "./send-servers.ts";

interface Options {
  seconds: number;
  concurrency: number;
}

function parseOptions(argv: string[]): Options {
  const value = (name: string, fallback: number) => numberOption(argv, name, fallback);
  return { seconds: value("seconds", 5), concurrency: value("concurrency", 16) };
}

async function startServer(kind: "bunduit" | "plain") {
  const child = Bun.spawn([process.execPath, join(import.meta.dir, "send-servers.ts"), kind], {
    stdout: "pipe",
    stderr: "inherit",
  });
  const reader = (child.stdout as ReadableStream<Uint8Array>).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${kind} server exited before it was ready`);
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  const ready = JSON.parse(text.split("\n")[0]!) as Ready;
  return {
    ...ready,
    base: `http://127.0.0.1:${ready.port}`,
    cpuMs: () => cpuMillis(child.pid),
    stop: () => child.kill(),
  };
}

/** A process's user + system CPU time in ms, from /proc (Linux; NaN elsewhere). Clock ticks are 10 ms. */
function cpuMillis(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** `concurrency` clients sending messages for `seconds`; latencies in milliseconds. */
async function sendLoad(server: Awaited<ReturnType<typeof startServer>>, options: Options, label: string) {
  const url = (txn: string) =>
    `${server.base}/_matrix/client/v3/rooms/${encodeURIComponent(server.roomId)}/send/m.room.message/${txn}`;
  const headers = { authorization: `Bearer ${server.token}`, "content-type": "application/json" };
  const body = JSON.stringify({
    msgtype: "m.text",
    body: "The quick brown fox jumps over the lazy dog, as benchmarks have it.",
  });
  const run = async (seconds: number, record: boolean) => {
    const latencies: number[] = [];
    const deadline = performance.now() + seconds * 1000;
    let errors = 0;
    const worker = async (id: number) => {
      for (let i = 0; performance.now() < deadline; i++) {
        const start = performance.now();
        const res = await fetch(url(`${label}-${record ? "r" : "w"}-${id}-${i}`), { method: "PUT", headers, body });
        await res.arrayBuffer();
        if (res.status !== 200) errors++;
        if (record) latencies.push(performance.now() - start);
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: options.concurrency }, (_, id) => worker(id)));
    return { latencies: latencies.sort((a, b) => a - b), elapsed: (performance.now() - started) / 1000, errors };
  };
  await run(Math.min(1, options.seconds), false);
  const cpuBefore = server.cpuMs();
  const { latencies, elapsed, errors } = await run(options.seconds, true);
  const cpuPerRequest = ((server.cpuMs() - cpuBefore) * 1000) / latencies.length;
  return {
    perSecond: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpuPerRequest,
    count: latencies.length,
    errors,
  };
}

/** Pages backwards through the latest 1,000 events, 100 at a time, as often as fits in `seconds`. */
async function paginate(server: Awaited<ReturnType<typeof startServer>>, seconds: number) {
  const headers = { authorization: `Bearer ${server.token}` };
  const base = `${server.base}/_matrix/client/v3/rooms/${encodeURIComponent(server.roomId)}/messages?dir=b&limit=100`;
  const pageTimes: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  let rounds = 0;
  const started = performance.now();
  while (performance.now() < deadline || rounds === 0) {
    let from: string | undefined;
    let events = 0;
    while (events < 1000) {
      const start = performance.now();
      const res = await fetch(from === undefined ? base : `${base}&from=${encodeURIComponent(from)}`, { headers });
      const page = (await res.json()) as { chunk: unknown[]; end?: string };
      pageTimes.push(performance.now() - start);
      events += page.chunk.length;
      if (page.end === undefined || page.chunk.length === 0) break;
      from = page.end;
    }
    if (events < 1000) throw new Error(`only ${events} events to paginate`);
    rounds++;
  }
  const elapsed = (performance.now() - started) / 1000;
  pageTimes.sort((a, b) => a - b);
  return {
    eventsPerSecond: (rounds * 1000) / elapsed,
    msPer1000: (elapsed * 1000) / rounds,
    p50Page: percentile(pageTimes, 50),
  };
}

async function measure(kind: "bunduit" | "plain", options: Options) {
  const server = await startServer(kind);
  try {
    const send = await sendLoad(server, options, kind);
    const pages = await paginate(server, Math.max(1, options.seconds / 2));
    return { send, pages };
  } finally {
    server.stop();
  }
}

const options = parseOptions(process.argv.slice(2));
console.log(
  `bench/send: ${options.concurrency} concurrent clients, ${options.seconds}s per phase, loopback, Bun ${Bun.version}`,
);
const plainResult = await measure("plain", options);
const bunduitResult = await measure("bunduit", options);
const f = (n: number, digits = 0) => n.toFixed(digits).padStart(9);
console.log("\n                         plain route    bunduit    ratio");
console.log(
  `PUT /send  events/s    ${f(plainResult.send.perSecond)}  ${f(bunduitResult.send.perSecond)}    ${(bunduitResult.send.perSecond / plainResult.send.perSecond).toFixed(2)}`,
);
console.log(
  `PUT /send  p50 ms      ${f(plainResult.send.p50, 2)}  ${f(bunduitResult.send.p50, 2)}    ${(plainResult.send.p50 / bunduitResult.send.p50).toFixed(2)}`,
);
console.log(
  `PUT /send  p99 ms      ${f(plainResult.send.p99, 2)}  ${f(bunduitResult.send.p99, 2)}    ${(plainResult.send.p99 / bunduitResult.send.p99).toFixed(2)}`,
);
console.log(
  `PUT /send  server µs/req ${f(plainResult.send.cpuPerRequest)}  ${f(bunduitResult.send.cpuPerRequest)}    ${(plainResult.send.cpuPerRequest / bunduitResult.send.cpuPerRequest).toFixed(2)}`,
);
console.log(
  `/messages 1000 back ms ${f(plainResult.pages.msPer1000, 1)}  ${f(bunduitResult.pages.msPer1000, 1)}    ${(plainResult.pages.msPer1000 / bunduitResult.pages.msPer1000).toFixed(2)}`,
);
console.log(
  `/messages events/s     ${f(plainResult.pages.eventsPerSecond)}  ${f(bunduitResult.pages.eventsPerSecond)}    ${(bunduitResult.pages.eventsPerSecond / plainResult.pages.eventsPerSecond).toFixed(2)}`,
);
console.log(
  `\nerrors: plain ${plainResult.send.errors}, bunduit ${bunduitResult.send.errors}. Ratios: bunduit over plain (latency and CPU: plain over bunduit).`,
);
console.log(
  "Target (performance.md): /send with full PDU work ≥ 0.50 of the minimal /send with signing at the same durability.",
);
