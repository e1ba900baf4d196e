/**
 * Benchmark: room events pushed to an application service while users send.
 *
 * In one process: bunduit as main.ts builds it (createApp + Bun.serve on a temporary
 * database), a local appservice (Bun.serve) with a ghost user joined to one room (as a
 * bridge's puppet would be), and `concurrency` clients sending messages into that room
 * for `seconds`. The appservice notes when each
 * message arrives; each message carries the time it was sent. Reported:
 *
 * - messages sent per second (what the clients achieved with delivery running);
 * - transactions and events delivered per second, and events per transaction;
 * - send-to-delivery lag (p50/p99/max): from the client's PUT to the appservice reading
 *   the transaction, which includes batching behind the transaction in flight;
 * - how long the backlog took to drain after the clients stopped.
 *
 *   bun bench/appservice.ts [--seconds 5] [--concurrency 16] [--as-latency 0]
 *
 * --as-latency makes the appservice take that many milliseconds per transaction (a slow
 * bridge): transactions then grow towards transaction_batch_size while the lag grows.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../src/app.ts";
import { loadConfig } from "../src/config.ts";
import { numberOption } from "./options.ts";
import { createLogger } from "../src/logger.ts";
import { openDatabase } from "../src/storage/database.ts";

const option = (name: string, fallback: number): number =>
  numberOption(process.argv, name, fallback, { positive: false });

const seconds = option("seconds", 5);
const concurrency = option("concurrency", 16);
const asLatency = option("as-latency", 0);

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

// The appservice: dedupes by txnId (as the spec requires) and records each message's lag.
const hsToken = crypto.randomUUID();
const seenTxns = new Set<string>();
const lags: number[] = [];
let transactions = 0;
let events = 0;
const appservice = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  async fetch(request) {
    const match = /\/_matrix\/app\/v1\/transactions\/(.+)$/.exec(new URL(request.url).pathname);
    if (!match || request.headers.get("authorization") !== `Bearer ${hsToken}`)
      return Response.json({ errcode: "M_FORBIDDEN" }, { status: 403 });
    const body = (await request.json()) as { events: { type: string; content: { sent_at?: number } }[] };
    const now = Date.now();
    if (!seenTxns.has(match[1]!)) {
      seenTxns.add(match[1]!);
      transactions++;
      events += body.events.length;
      for (const event of body.events)
        if (typeof event.content.sent_at === "number") lags.push(now - event.content.sent_at);
    }
    if (asLatency > 0) await Bun.sleep(asLatency);
    return Response.json({});
  },
});

const dir = mkdtempSync(join(tmpdir(), "bunduit-bench-as-"));
const registrationFile = join(dir, "bench.yaml");
const asToken = crypto.randomUUID();
writeFileSync(
  registrationFile,
  JSON.stringify({
    id: "bench",
    url: `http://127.0.0.1:${appservice.port}`,
    as_token: asToken,
    hs_token: hsToken,
    sender_localpart: "_bench_bot",
    namespaces: { users: [{ regex: "@_bench_.*", exclusive: true }] },
  }),
);
const { config } = loadConfig(
  `[global]\nserver_name = "bench.local"\nallow_registration = true\napp_service_config_files = ["${registrationFile}"]\n[global.rate_limits]\nenabled = false\n`,
);
const db = openDatabase(join(dir, "data"));
const built = createApp({ config, db, logger: createLogger("warn") });
const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  idleTimeout: 0,
  fetch: (request) => built.app.handle(request),
});
built.app.server = server as never;
const stopBackground = built.startBackgroundTasks();
const base = `http://127.0.0.1:${server.port}`;

async function call(method: string, path: string, token: string, body: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

// One room, one user per client, all joined.
const tokens: string[] = [];
for (let i = 0; i < concurrency; i++) {
  const userId = await built.services.accounts.createUser(`sender${i}`, null);
  built.stores.devices.insertDevice(userId, "BENCH", null, Date.now());
  tokens.push(built.services.sessions.issueAccessToken(userId, "BENCH"));
}
const roomId = (await call("POST", "/_matrix/client/v3/createRoom", tokens[0]!, { preset: "public_chat" }))
  .room_id as string;
for (const token of tokens.slice(1))
  await call("POST", `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, token, {});
// The appservice is interested in the room because its ghost is a member.
await call("POST", "/_matrix/client/v3/register", asToken, {
  type: "m.login.application_service",
  username: "_bench_ghost",
  inhibit_login: true,
});
await call(
  "POST",
  `/_matrix/client/v3/join/${encodeURIComponent(roomId)}?user_id=${encodeURIComponent("@_bench_ghost:bench.local")}`,
  asToken,
  {},
);
const roomPath = `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}`;
// Setup events are not part of the measurement.
while (
  built.services.appservices.queue.backlog("bench").queued_items > 0 ||
  built.services.appservices.queue.backlog("bench").pending_txn_id !== undefined
)
  await Bun.sleep(10);
const setupEvents = events;

let sent = 0;
let errors = 0;
const started = performance.now();
const deadline = started + seconds * 1000;
await Promise.all(
  tokens.map(async (token, id) => {
    for (let i = 0; performance.now() < deadline; i++) {
      const res = await fetch(`${base}${roomPath}/send/m.room.message/b${id}-${i}`, {
        method: "PUT",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ msgtype: "m.text", body: "benchmark message", sent_at: Date.now() }),
      });
      await res.arrayBuffer();
      if (res.ok) sent++;
      else errors++;
    }
  }),
);
const sendElapsed = (performance.now() - started) / 1000;
const drainStarted = performance.now();
while (lags.length < sent && performance.now() - drainStarted < 60_000) await Bun.sleep(5);
const drainMs = performance.now() - drainStarted;
const deliveryElapsed = (performance.now() - started) / 1000;

const sorted = lags.sort((a, b) => a - b);
const rows: [string, string][] = [
  ["clients", String(concurrency)],
  ["messages sent", `${sent} (${(sent / sendElapsed).toFixed(0)}/s, ${errors} errors)`],
  ["messages delivered", `${lags.length}${lags.length < sent ? " (drain timed out)" : ""}`],
  ["transactions delivered", `${transactions} (${(transactions / deliveryElapsed).toFixed(0)}/s)`],
  ["events delivered", `${events - setupEvents} (${((events - setupEvents) / deliveryElapsed).toFixed(0)}/s)`],
  ["events per transaction", (events / Math.max(1, transactions)).toFixed(1)],
  ["lag p50 / p99 / max", `${percentile(sorted, 50)} / ${percentile(sorted, 99)} / ${sorted.at(-1)} ms`],
  ["drain after the last send", `${drainMs.toFixed(0)} ms`],
  ["appservice latency", `${asLatency} ms per transaction`],
];
for (const [name, value] of rows) console.log(`${name.padEnd(28)}${value}`);

await stopBackground();
await server.stop(true);
await appservice.stop(true);
built.shutdown();
db.close();
rmSync(dir, { recursive: true, force: true });
