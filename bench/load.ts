/**
 * A bounded closed-loop load generator: `connections` loops, each sending the next request
 * as soon as the previous answer has been read, for `seconds`. Uses wrk when it is
 * installed (it costs far less CPU per request than fetch, so it saturates a server that a
 * fetch client cannot); otherwise runs the fetch loops in a child Bun process, so the load
 * does not share the server's thread.
 */
import { join } from "node:path";

export interface LoadOptions {
  url: string;
  headers?: Record<string, string>;
  connections: number;
  seconds: number;
}

export interface LoadResult {
  requests: number;
  /** Non-2xx answers and failed requests. */
  errors: number;
  seconds: number;
  p50_ms: number;
  p99_ms: number;
}

export type LoadTool = "wrk" | "fetch";

export function availableTool(): LoadTool {
  return Bun.which("wrk") ? "wrk" : "fetch";
}

export async function runLoad(tool: LoadTool, options: LoadOptions): Promise<LoadResult> {
  return tool === "wrk" ? runWrk(options) : runFetchChild(options);
}

async function runWrk({ url, headers = {}, connections, seconds }: LoadOptions): Promise<LoadResult> {
  const args = ["wrk", "-t1", `-c${connections}`, `-d${seconds}s`, "--latency"];
  for (const [name, value] of Object.entries(headers)) args.push("-H", `${name}: ${value}`);
  const child = Bun.spawn([...args, url], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  if (code !== 0) throw new Error(`wrk exited with ${code}: ${err}`);
  const number = (pattern: RegExp) => Number(pattern.exec(out)?.[1] ?? NaN);
  const latency = (percent: number) => {
    const match = new RegExp(`^\\s*${percent}(?:\\.0+)?%\\s+([\\d.]+)(us|ms|s)\\b`, "m").exec(out);
    if (!match) return NaN;
    return Number(match[1]) * { us: 0.001, ms: 1, s: 1000 }[match[2] as "us" | "ms" | "s"];
  };
  const requests = number(/(\d+) requests in/);
  const errors = number(/Non-2xx or 3xx responses: (\d+)/) || 0;
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrorCount = socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return { requests, errors: errors + socketErrorCount, seconds, p50_ms: latency(50), p99_ms: latency(99) };
}

async function runFetchChild(options: LoadOptions): Promise<LoadResult> {
  const child = Bun.spawn([process.execPath, join(import.meta.dir, "load.ts"), JSON.stringify(options)], {
    stdout: "pipe",
    stderr: "inherit",
  });
  const [out, code] = await Promise.all([new Response(child.stdout).text(), child.exited]);
  if (code !== 0) throw new Error(`the fetch load process exited with ${code}`);
  return JSON.parse(out) as LoadResult;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** The fetch loops themselves; run in the child process. */
export async function fetchLoops({ url, headers = {}, connections, seconds }: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  const loop = async () => {
    while (performance.now() < end) {
      const sent = performance.now();
      try {
        const response = await fetch(url, { headers });
        await response.arrayBuffer();
        if (!response.ok) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - sent);
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
  const elapsed = (performance.now() - start) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  return {
    requests: latencies.length,
    errors,
    seconds: elapsed,
    p50_ms: percentile(sorted, 50),
    p99_ms: percentile(sorted, 99),
  };
}

if (import.meta.main) {
  const options = JSON.parse(process.argv[2] ?? "{}") as LoadOptions;
  process.stdout.write(JSON.stringify(await fetchLoops(options)));
}
