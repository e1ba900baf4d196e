/**
 * Benchmark: /sync against a plain Bun server doing the least a sync server must
 * (bench/sync-servers.ts), both in child processes on 127.0.0.1:
 * - one PUT /send delivered to N idle long-polling /sync connections: p50, p99 and the wall
 *   time until every connection has it (performance.md: ≤ 2× the raw wake);
 * - server memory per idle long-poll (performance.md: ≤ 10 KiB);
 * - an initial sync of an account in `--rooms` rooms;
 * - incremental syncs with nothing new (timeout=0), requests per second.
 * Bounded: each phase stops at its count or its timeout.
 *
 *   bun bench/sync.ts [--connections 1000] [--rooms 500] [--seconds 5]
 */
import { join } from "node:path";
import { numberOption } from "./options.ts";
import { availableTool, runLoad } from "./load.ts";
import type { Ready } from "./sync-servers.ts";

interface Options {
  connections: number;
  rooms: number;
  seconds: number;
}

function parseOptions(argv: string[]): Options {
  const value = (name: string, fallback: number) => numberOption(argv, name, fallback);
  return { connections: value("connections", 1000), rooms: value("rooms", 500), seconds: value("seconds", 5) };
}

async function startServer(kind: "bunduit" | "plain", options: Options) {
  const child = Bun.spawn(
    [
      process.execPath,
      join(import.meta.dir, "sync-servers.ts"),
      kind,
      String(options.connections),
      String(options.rooms),
    ],
    { stdout: "pipe", stderr: "inherit" },
  );
  const reader = (child.stdout as ReadableStream<Uint8Array>).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${kind} server exited before it was ready`);
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  const ready = JSON.parse(text.split("\n")[0]!) as Ready;
  const controlGet = async <T>(path: string) =>
    (await (await fetch(`http://127.0.0.1:${ready.control}${path}`)).json()) as T;
  return {
    ...ready,
    base: `http://127.0.0.1:${ready.port}`,
    parked: () => controlGet<number>("/parked"),
    memory: () => controlGet<{ rss: number; heapUsed: number }>("/memory"),
    stop: () => child.kill(),
  };
}

type Server = Awaited<ReturnType<typeof startServer>>;

/** A long-poll on a raw socket: resolves when the whole answer arrived, with when its first byte did. */
function longPoll(server: Server, token: string, path: string, marker: string): Promise<{ at: number; ok: boolean }> {
  return new Promise((resolve) => {
    const decoder = new TextDecoder();
    let text = "";
    let at = 0;
    let settled = false;
    const settle = (ok: boolean) => {
      if (settled) return;
      settled = true;
      resolve({ at, ok });
    };
    const complete = () => {
      const headerEnd = text.indexOf("\r\n\r\n");
      const length = /content-length:\s*(\d+)/i.exec(text.slice(0, headerEnd));
      return headerEnd !== -1 && length !== null && Buffer.byteLength(text.slice(headerEnd + 4)) >= Number(length[1]);
    };
    void Bun.connect({
      hostname: "127.0.0.1",
      port: server.port,
      socket: {
        open: (socket) =>
          void socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n\r\n`),
        data: (socket, chunk) => {
          if (at === 0) at = performance.now();
          text += decoder.decode(chunk);
          if (complete()) {
            settle(text.startsWith("HTTP/1.1 200") && text.includes(marker));
            socket.end();
          }
        },
        close: () => settle(false),
        error: () => settle(false),
      },
    }).catch(() => settle(false));
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function allParked(server: Server, count: number): Promise<void> {
  const deadline = performance.now() + 60_000;
  while ((await server.parked()) < count) {
    if (performance.now() > deadline) throw new Error(`only ${await server.parked()} of ${count} long-polls parked`);
    await Bun.sleep(20);
  }
}

/**
 * N parked long-polls, one message, and when each connection had it. A first round parks N
 * long-polls that time out, so that the memory of the measured round is not hidden by the
 * allocator reusing what the setup freed (RSS after a GC, before and after parking).
 */
async function wake(server: Server, options: Options) {
  const tokens = server.tokens.slice(0, options.connections);
  const warmUp = tokens.map((token) =>
    longPoll(
      server,
      token,
      `/_matrix/client/v3/sync?since=${server.since}&timeout=2000&set_presence=offline`,
      "next_batch",
    ),
  );
  await allParked(server, tokens.length);
  await Promise.all(warmUp);
  await Bun.sleep(500);
  const before = await server.memory();
  const marker = `wake-${Math.random().toString(36).slice(2)}`;
  const path = `/_matrix/client/v3/sync?since=${server.since}&timeout=60000&set_presence=offline`;
  const polls = tokens.map((token) => longPoll(server, token, path, marker));
  await allParked(server, polls.length);
  const after = await server.memory();
  const perConnection = {
    rss: (after.rss - before.rss) / polls.length,
    heap: (after.heapUsed - before.heapUsed) / polls.length,
  };
  const sent = performance.now();
  const res = await fetch(
    `${server.base}/_matrix/client/v3/rooms/${encodeURIComponent(server.roomId)}/send/m.room.message/${marker}`,
    {
      method: "PUT",
      headers: { authorization: `Bearer ${server.senderToken}`, "content-type": "application/json" },
      body: JSON.stringify({ msgtype: "m.text", body: marker }),
    },
  );
  const answered = performance.now() - sent;
  if (res.status !== 200) throw new Error(`send failed: ${res.status} ${await res.text()}`);
  const results = await Promise.all(polls);
  const delays = results.map((r) => r.at - sent).sort((a, b) => a - b);
  return {
    send: answered,
    p50: percentile(delays, 50),
    p99: percentile(delays, 99),
    all: delays.at(-1)!,
    failed: results.filter((r) => !r.ok).length,
    perConnection,
  };
}

async function initialSync(server: Server) {
  const times: number[] = [];
  let bytes = 0;
  for (let run = 0; run < 5; run++) {
    const started = performance.now();
    const res = await fetch(`${server.base}/_matrix/client/v3/sync?set_presence=offline`, {
      headers: { authorization: `Bearer ${server.bigToken}` },
    });
    bytes = (await res.arrayBuffer()).byteLength;
    if (res.status !== 200) throw new Error(`initial sync failed: ${res.status}`);
    times.push(performance.now() - started);
  }
  return {
    ms: percentile(
      times.sort((a, b) => a - b),
      50,
    ),
    bytes,
  };
}

async function incremental(server: Server, token: string, seconds: number) {
  const headers = { authorization: `Bearer ${token}` };
  const first = (await (
    await fetch(
      `${server.base}/_matrix/client/v3/sync?set_presence=offline&filter=${encodeURIComponent('{"room":{"timeline":{"limit":1}}}')}`,
      { headers },
    )
  ).json()) as { next_batch: string };
  const url = `${server.base}/_matrix/client/v3/sync?since=${first.next_batch}&timeout=0&set_presence=offline`;
  const result = await runLoad(availableTool(), { url, headers, connections: 16, seconds });
  return { perSecond: result.requests / result.seconds, errors: result.errors };
}

async function measure(kind: "bunduit" | "plain", options: Options) {
  const server = await startServer(kind, options);
  try {
    const woken = await wake(server, options);
    const initial = await initialSync(server);
    const oneRoom = await incremental(server, server.tokens[0]!, options.seconds);
    const manyRooms = await incremental(server, server.bigToken, options.seconds);
    return { woken, initial, oneRoom, manyRooms };
  } finally {
    server.stop();
  }
}

const options = parseOptions(process.argv.slice(2));
console.log(
  `bench/sync: ${options.connections} long-polls, an account in ${options.rooms} rooms, ${options.seconds}s load phases, loopback, Bun ${Bun.version}, load by ${availableTool()}`,
);
const plainResult = await measure("plain", options);
const bunduitResult = await measure("bunduit", options);
const f = (n: number, digits = 0) => n.toFixed(digits).padStart(10);
const ratio = (a: number, b: number) => (a / b).toFixed(2).padStart(7);
const { woken: pw, initial: pi } = plainResult;
const { woken: bw, initial: bi } = bunduitResult;
console.log("\n                                       plain    bunduit   bunduit/plain");
console.log(
  `PUT /send answered ms               ${f(pw.send, 1)} ${f(bw.send, 1)} ${ratio(bw.send, pw.send)}   (bunduit counts the message for ${options.connections} members)`,
);
console.log(`wake: send to delivery p50 ms       ${f(pw.p50, 1)} ${f(bw.p50, 1)} ${ratio(bw.p50, pw.p50)}`);
console.log(`wake: p99 ms                        ${f(pw.p99, 1)} ${f(bw.p99, 1)} ${ratio(bw.p99, pw.p99)}`);
console.log(
  `wake: all ${String(options.connections).padEnd(5)} delivered ms         ${f(pw.all, 1)} ${f(bw.all, 1)} ${ratio(bw.all, pw.all)}   (target ≤ 2)`,
);
console.log(
  `wake: all delivered after /send answered (bunduit; plain wakes before it answers) ${(bw.all - bw.send).toFixed(1)} ms`,
);
console.log(
  `memory per idle long-poll, RSS KiB  ${f(pw.perConnection.rss / 1024, 1)} ${f(bw.perConnection.rss / 1024, 1)} ${ratio(bw.perConnection.rss, pw.perConnection.rss)}   (target ≤ 10 KiB)`,
);
console.log(
  `  of which JS heap KiB              ${f(pw.perConnection.heap / 1024, 1)} ${f(bw.perConnection.heap / 1024, 1)} ${ratio(bw.perConnection.heap, pw.perConnection.heap)}`,
);
console.log(
  `initial sync, ${options.rooms} rooms ms          ${f(pi.ms, 1)} ${f(bi.ms, 1)} ${ratio(bi.ms, pi.ms)}   (${(bi.bytes / 1024).toFixed(0)} KiB vs ${(pi.bytes / 1024).toFixed(0)} KiB)`,
);
console.log(
  `incremental sync, 1 room req/s      ${f(plainResult.oneRoom.perSecond)} ${f(bunduitResult.oneRoom.perSecond)} ${ratio(bunduitResult.oneRoom.perSecond, plainResult.oneRoom.perSecond)}`,
);
console.log(
  `incremental sync, ${options.rooms} rooms req/s   ${f(plainResult.manyRooms.perSecond)} ${f(bunduitResult.manyRooms.perSecond)} ${ratio(bunduitResult.manyRooms.perSecond, plainResult.manyRooms.perSecond)}`,
);
console.log(
  `\nfailed deliveries: plain ${pw.failed}, bunduit ${bw.failed}; load errors: plain ${plainResult.oneRoom.errors + plainResult.manyRooms.errors}, bunduit ${bunduitResult.oneRoom.errors + bunduitResult.manyRooms.errors}.`,
);
console.log(
  "The plain server's syncs do no filtering, state, receipts or counts: the ratios are the cost of a real /sync over the least one could do.",
);
