/**
 * Benchmark: one Element Call with N participants against one bunduit, the way
 * matrix-js-sdk's MembershipManager and ToDeviceKeyTransport drive a homeserver.
 *
 * bunduit runs as a real server process (`src/main.ts serve`) on loopback with a temporary
 * database; a plain Bun.serve route doing the minimal restart (token lookup, one UPDATE)
 * runs in another child process as the baseline. Each participant registers (a user and
 * its device), joins one private room, and then, like Element Call:
 *
 * 1. schedules its delayed leave: PUT /state/org.matrix.msc3401.call.member/_@user:server_DEVICE_m.call
 *    ?org.matrix.msc4140.delay=<delay> with {};
 * 2. sends its membership to the same state key;
 * 3. restarts the delayed leave every 4 s (POST …/delayed_events/{id}/restart, with its
 *    token as js-sdk sends it), followed at once by the same request to the baseline;
 * 4. sends io.element.call.encryption_keys to every other participant's device every ~10 s
 *    (one PUT /sendToDevice for all of them).
 *
 * After `--seconds`, `--kill` participants stop (no restarts, no keys, as a crashed client)
 * and the bench waits for the server to send their delayed leaves, reading each one's due
 * time from the delayed-events listing and the leave's origin_server_ts from room state.
 * Loopback only; it stops by itself (a watchdog ends it after seconds + delay + 60 s).
 *
 *   bun bench/call.ts [--participants 50] [--seconds 30] [--kill 5] [--delay-ms 18000]
 *                     [--restart-ms 4000] [--keys-ms 10000]
 */
import { Database } from "bun:sqlite";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { numberOption } from "./options.ts";
import { cpuMillis, rssMiB } from "./process-stats.ts";
import { freePort, startServerProcess } from "../tests/support/server.ts";

interface Options {
  participants: number;
  seconds: number;
  kill: number;
  delayMs: number;
  restartMs: number;
  keysMs: number;
}

const CALL_MEMBER = "org.matrix.msc3401.call.member";
const MSC4140 = "/_matrix/client/unstable/org.matrix.msc4140";
const SERVER_NAME = "call.bench";

function parseOptions(argv: string[]): Options {
  const value = (name: string, fallback: number) => numberOption(argv, name, fallback, { positive: false });
  const options = {
    participants: value("participants", 50),
    seconds: value("seconds", 30),
    kill: value("kill", 5),
    delayMs: value("delay-ms", 18_000),
    restartMs: value("restart-ms", 4000),
    keysMs: value("keys-ms", 10_000),
  };
  if (options.participants < 2 || options.kill > options.participants)
    throw new Error("need at least 2 participants and --kill ≤ --participants");
  return options;
}

// ---------------------------------------------------------------------------------------
// The processes: bunduit and the baseline, each a child on a loopback port.

async function startBunduit(dir: string, options: Options) {
  const port = await freePort();
  // Registration and login are opened up for the set-up; the call's own limits
  // (message, delayed_event_management) keep their defaults.
  const toml = `[global]
server_name = "${SERVER_NAME}"
database_path = "${join(dir, "data")}"
address = "127.0.0.1"
port = ${port}
allow_registration = true
log = "warn"

[global.matrix_rtc]
transports = [{ type = "livekit", livekit_service_url = "https://${SERVER_NAME}/livekit/jwt" }]

[global.delayed_events]
max_delay_ms = ${Math.max(86_400_000, options.delayMs)}

[global.rate_limits]
registration = { per_second = 1000, burst = 1000 }
login = { per_second = 1000, burst = 1000 }
`;
  // The same start-and-wait the process tests use (tests/support/server.ts).
  const server = await startServerProcess({ dir, toml, port, env: { BUNDUIT_TEST: "" } });
  const child = server.process;
  return {
    base: server.url,
    pid: child.pid,
    exitCode: () => child.exitCode,
    signal: () => child.signalCode,
    output: server.output,
    stop: () => server.stop(),
  };
}

/**
 * The baseline, run in a child process (`bun bench/call.ts --plain N`): the minimal restart
 * a plain Bun route can do at bunduit's durability (WAL, synchronous = NORMAL): look the
 * access token's hash up, UPDATE the delayed event's due time, answer {}. Prints one JSON
 * line {port, tokens, delayIds} and serves until killed.
 */
function servePlain(participants: number): void {
  const dir = mkdtempSync(join(tmpdir(), "bunduit-bench-call-plain-"));
  process.on("SIGTERM", () => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
  const db = new Database(join(dir, "plain.db"), { create: true, strict: true });
  for (const pragma of ["journal_mode = WAL", "synchronous = NORMAL"]) db.exec(`PRAGMA ${pragma}`);
  db.exec(`CREATE TABLE tokens (hash BLOB PRIMARY KEY, user_id TEXT NOT NULL) STRICT;
    CREATE TABLE delayed (delay_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, delay_ms INTEGER NOT NULL, send_ts INTEGER NOT NULL) STRICT;`);
  const sha = (text: string) => createHash("sha256").update(text).digest();
  const tokens: string[] = [];
  const delayIds: string[] = [];
  for (let i = 0; i < participants; i++) {
    const token = randomBytes(16).toString("hex");
    const delayId = randomBytes(16).toString("base64url");
    db.query("INSERT INTO tokens VALUES (?, ?)").run(sha(token), `@p${i}:${SERVER_NAME}`);
    db.query("INSERT INTO delayed VALUES (?, ?, 18000, 0)").run(delayId, `@p${i}:${SERVER_NAME}`);
    tokens.push(token);
    delayIds.push(delayId);
  }
  const selectToken = db.query<{ user_id: string }, [Buffer]>("SELECT user_id FROM tokens WHERE hash = ?");
  const restart = db.query<{ send_ts: number }, [number, string]>(
    "UPDATE delayed SET send_ts = ? + delay_ms WHERE delay_id = ? RETURNING send_ts",
  );
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    reusePort: false,
    idleTimeout: 0,
    routes: {
      [`${MSC4140}/delayed_events/:delayId/restart`]: {
        POST: async (request) => {
          await request.arrayBuffer();
          if (!selectToken.get(sha((request.headers.get("authorization") ?? "").slice(7))))
            return Response.json({ errcode: "M_UNKNOWN_TOKEN" }, { status: 401 });
          const row = restart.get(Date.now(), request.params.delayId);
          return row ? Response.json({}) : Response.json({ errcode: "M_NOT_FOUND" }, { status: 404 });
        },
      },
    },
    fetch: () => new Response("not found", { status: 404 }),
  });
  process.stdout.write(`${JSON.stringify({ port: server.port, tokens, delayIds })}\n`);
}

async function startPlain(participants: number) {
  const child = Bun.spawn([process.execPath, import.meta.path, "--plain", String(participants)], {
    stdout: "pipe",
    stderr: "inherit",
  });
  const reader = (child.stdout as ReadableStream<Uint8Array>).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the baseline server exited before it was ready");
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  const ready = JSON.parse(text.split("\n")[0]!) as { port: number; tokens: string[]; delayIds: string[] };
  return {
    ...ready,
    base: `http://127.0.0.1:${ready.port}`,
    pid: child.pid,
    stop: () => (child.kill("SIGTERM"), child.exited),
  };
}

// ---------------------------------------------------------------------------------------
// The participants.

interface Participant {
  index: number;
  userId: string;
  deviceId: string;
  token: string;
  stateKey: string;
  delayId: string;
  alive: boolean;
  timers: ReturnType<typeof setTimeout>[];
  /** In-flight requests, awaited when the participant is killed. */
  pending: Set<Promise<unknown>>;
}

async function call(
  base: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; json: any; ms: number }> {
  const started = performance.now();
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  const ms = performance.now() - started;
  let json: unknown;
  try {
    json = text === "" ? undefined : JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, json, ms };
}

async function expectOk<T = any>(what: string, request: Promise<{ status: number; json: any }>): Promise<T> {
  const { status, json } = await request;
  if (status !== 200) throw new Error(`${what}: HTTP ${status} ${JSON.stringify(json)}`);
  return json as T;
}

async function register(
  base: string,
  index: number,
): Promise<{ user_id: string; device_id: string; access_token: string }> {
  const body = { username: `p${index}`, password: `bench-password-${index}`, initial_device_display_name: "bench" };
  const first = await call(base, "POST", "/_matrix/client/v3/register", undefined, body);
  if (first.status === 200) return first.json;
  const session = (first.json as { session?: string }).session;
  return expectOk(
    `register p${index}`,
    call(base, "POST", "/_matrix/client/v3/register", undefined, { ...body, auth: { type: "m.login.dummy", session } }),
  );
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");

// ---------------------------------------------------------------------------------------

async function main(options: Options): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "bunduit-bench-call-"));
  const watchdog = setTimeout(
    () => {
      console.error("bench/call: watchdog: giving up");
      process.exit(2);
    },
    (options.seconds + options.delayMs / 1000 + 60) * 1000 + options.participants * 200,
  );
  const server = await startBunduit(dir, options);
  const plain = await startPlain(options.participants);
  const { base } = server;
  try {
    console.log(
      `bench/call: ${options.participants} participants, ${options.seconds} s call, then ${options.kill} crash; ` +
        `delayed leave ${options.delayMs} ms restarted every ${options.restartMs} ms, keys every ~${options.keysMs} ms; ` +
        `Bun ${Bun.version}, loopback`,
    );

    // Set-up: users and devices, one private room (the default preset: members may send
    // call membership), everyone invited and joined.
    const setupStarted = performance.now();
    const accounts = await Promise.all(Array.from({ length: options.participants }, (_, i) => register(base, i)));
    const [owner] = accounts;
    if (!owner) throw new Error("no participants");
    const { room_id: roomId } = await expectOk<{ room_id: string }>(
      "createRoom",
      call(base, "POST", "/_matrix/client/v3/createRoom", owner.access_token, {
        preset: "private_chat",
        name: "bench call",
      }),
    );
    const room = encodeURIComponent(roomId);
    for (const account of accounts.slice(1)) {
      await expectOk(
        "invite",
        call(base, "POST", `/_matrix/client/v3/rooms/${room}/invite`, owner.access_token, { user_id: account.user_id }),
      );
    }
    await Promise.all(
      accounts
        .slice(1)
        .map((account) =>
          expectOk("join", call(base, "POST", `/_matrix/client/v3/join/${room}`, account.access_token, {})),
        ),
    );
    const transports = await expectOk<{ rtc_transports: unknown[] }>(
      "rtc/transports",
      call(base, "GET", "/_matrix/client/v1/rtc/transports", owner.access_token),
    );

    // Joining the call, as MembershipManager does: the delayed leave first, then the membership.
    const statePath = (key: string) =>
      `/_matrix/client/v3/rooms/${room}/state/${CALL_MEMBER}/${encodeURIComponent(key)}`;
    const participants: Participant[] = [];
    for (const [index, account] of accounts.entries()) {
      const stateKey = `_${account.user_id}_${account.device_id}_m.call`;
      const { delay_id: delayId } = await expectOk<{ delay_id: string }>(
        "delayed leave",
        call(
          base,
          "PUT",
          `${statePath(stateKey)}?org.matrix.msc4140.delay=${options.delayMs}`,
          account.access_token,
          {},
        ),
      );
      await expectOk(
        "membership",
        call(base, "PUT", statePath(stateKey), account.access_token, {
          application: "m.call",
          call_id: "",
          scope: "m.room",
          device_id: account.device_id,
          membershipID: `${account.user_id}:${account.device_id}`,
          expires: 14_400_000,
          "m.call.intent": "video",
          focus_active: { type: "livekit", focus_selection: "multi_sfu" },
          foci_preferred: transports.rtc_transports.map((transport) => ({
            ...(transport as object),
            livekit_alias: roomId,
          })),
        }),
      );
      participants.push({
        index,
        userId: account.user_id,
        deviceId: account.device_id,
        token: account.access_token,
        stateKey,
        delayId,
        alive: true,
        timers: [],
        pending: new Set(),
      });
    }
    console.log(
      `set-up: ${options.participants} users registered, joined and in the call in ${fmt((performance.now() - setupStarted) / 1000)} s\n`,
    );

    // The call.
    const restartMs: number[] = [];
    const plainMs: number[] = [];
    const toDeviceMs: number[] = [];
    let restartErrors = 0;
    let toDeviceErrors = 0;
    const failures: string[] = [];
    const track = (participant: Participant, promise: Promise<unknown>) => {
      participant.pending.add(promise);
      void promise.finally(() => participant.pending.delete(promise));
    };
    const every = (participant: Participant, periodMs: number, jitter: number, action: () => Promise<void>) => {
      const tick = () => {
        if (!participant.alive) return;
        track(
          participant,
          action().catch((error: unknown) => {
            failures.push(String(error));
          }),
        );
        participant.timers.push(setTimeout(tick, periodMs * (1 + (Math.random() * 2 - 1) * jitter)));
      };
      // A random phase, as participants join at different moments.
      participant.timers.push(setTimeout(tick, Math.random() * periodMs));
    };
    for (const participant of participants) {
      every(participant, options.restartMs, 0, async () => {
        const restart = await call(
          base,
          "POST",
          `${MSC4140}/delayed_events/${participant.delayId}/restart`,
          participant.token,
          {},
        );
        if (restart.status === 200) restartMs.push(restart.ms);
        else restartErrors++;
        const baseline = await call(
          plain.base,
          "POST",
          `${MSC4140}/delayed_events/${plain.delayIds[participant.index]}/restart`,
          plain.tokens[participant.index],
          {},
        );
        if (baseline.status === 200) plainMs.push(baseline.ms);
      });
      every(participant, options.keysMs, 0.1, async () => {
        const messages: Record<string, Record<string, unknown>> = {};
        for (const other of participants) {
          if (other === participant) continue;
          messages[other.userId] = {
            [other.deviceId]: {
              keys: { index: 0, key: randomBytes(32).toString("base64") },
              member: { id: `${participant.userId}:${participant.deviceId}`, claimed_device_id: participant.deviceId },
              room_id: roomId,
              session: { application: "m.call", call_id: "", scope: "m.room" },
              sent_ts: Date.now(),
            },
          };
        }
        const sent = await call(
          base,
          "PUT",
          `/_matrix/client/v3/sendToDevice/io.element.call.encryption_keys/${randomBytes(8).toString("hex")}`,
          participant.token,
          { messages },
        );
        if (sent.status === 200) toDeviceMs.push(sent.ms);
        else toDeviceErrors++;
      });
    }

    const samples: { cpu: number; rss: number }[] = [];
    const cpuStart = cpuMillis(server.pid);
    const plainCpuStart = cpuMillis(plain.pid);
    const callStarted = performance.now();
    let lastCpu = cpuStart;
    let lastAt = callStarted;
    const sampler = setInterval(() => {
      const now = performance.now();
      const cpu = cpuMillis(server.pid);
      samples.push({ cpu: ((cpu - lastCpu) / (now - lastAt)) * 100, rss: rssMiB(server.pid) });
      lastCpu = cpu;
      lastAt = now;
    }, 1000);
    await Bun.sleep(options.seconds * 1000);
    if (server.exitCode() !== null) {
      throw new Error(
        `bunduit exited during the call (code ${server.exitCode()}, signal ${server.signal()}); ${failures.length} requests failed. Its output:\n${server.output().slice(-4000)}`,
      );
    }
    const callMs = performance.now() - callStarted;
    const callCpu = ((cpuMillis(server.pid) - cpuStart) / callMs) * 100;
    const plainCpu = ((cpuMillis(plain.pid) - plainCpuStart) / callMs) * 100;
    clearInterval(sampler);

    // The crash: the last participants stop restarting and sending keys.
    const victims = participants.slice(participants.length - options.kill);
    for (const victim of victims) {
      victim.alive = false;
      for (const timer of victim.timers) clearTimeout(timer);
    }
    await Promise.all(victims.flatMap((victim) => [...victim.pending]));
    const due = new Map<Participant, number>();
    for (const victim of victims) {
      const listing = await expectOk<{ scheduled: { delay_id: string; running_since: number; delay: number }[] }>(
        "delayed events",
        call(
          base,
          "GET",
          `${MSC4140}/delayed_events?status=scheduled&delay_id=${encodeURIComponent(victim.delayId)}`,
          victim.token,
        ),
      );
      const item = listing.scheduled[0];
      if (!item) throw new Error(`${victim.userId}'s delayed leave is not scheduled`);
      due.set(victim, item.running_since + item.delay);
    }

    // Watch the victims' state until each leave shows; the survivors keep going meanwhile.
    const observed = new Map<Participant, { seenAt: number; originTs: number }>();
    const deadline = Date.now() + options.delayMs + options.restartMs + 15_000;
    while (observed.size < victims.length && Date.now() < deadline) {
      await Promise.all(
        victims
          .filter((victim) => !observed.has(victim))
          .map(async (victim) => {
            const got = await call(base, "GET", `${statePath(victim.stateKey)}?format=event`, owner.access_token);
            const event = got.json as { content?: Record<string, unknown>; origin_server_ts?: number };
            if (got.status === 200 && event.content && Object.keys(event.content).length === 0) {
              observed.set(victim, { seenAt: Date.now(), originTs: event.origin_server_ts ?? Number.NaN });
            }
          }),
      );
      await Bun.sleep(20);
    }

    // Everyone else still in the call?
    const survivors = participants.filter((participant) => participant.alive);
    for (const survivor of survivors) survivor.alive = false;
    for (const survivor of survivors) for (const timer of survivor.timers) clearTimeout(timer);
    await Promise.all(survivors.flatMap((survivor) => [...survivor.pending]));
    let stillIn = 0;
    for (const survivor of survivors) {
      const got = await call(base, "GET", statePath(survivor.stateKey), owner.access_token);
      if (got.status === 200 && Object.keys(got.json as object).length > 0) stillIn++;
    }

    // The report.
    const restarts = sorted(restartMs);
    const baseline = sorted(plainMs);
    const toDevice = sorted(toDeviceMs);
    const lags = sorted(
      victims.flatMap((victim) => (observed.has(victim) ? [observed.get(victim)!.originTs - due.get(victim)!] : [])),
    );
    const seenLags = sorted(
      victims.flatMap((victim) => (observed.has(victim) ? [observed.get(victim)!.seenAt - due.get(victim)!] : [])),
    );
    const cpuPerWindow = sorted(samples.map((sample) => sample.cpu));
    const rss = samples.map((sample) => sample.rss);
    const line = (label: string, value: string) => console.log(`${label.padEnd(48)}${value}`);
    line(
      "server CPU over the call",
      `${fmt(callCpu)} % of one core (1 s windows: p50 ${fmt(percentile(cpuPerWindow, 50))} %, max ${fmt(cpuPerWindow.at(-1) ?? Number.NaN)} %)`,
    );
    line("plain Bun route's process over the call", `${fmt(plainCpu)} % of one core (restarts only)`);
    line(
      "server RSS over the call",
      `${fmt(rss[0] ?? Number.NaN)} MiB at start, ${fmt(Math.max(...rss))} MiB max, ${fmt(rss.at(-1) ?? Number.NaN)} MiB at end`,
    );
    line(
      "restart (POST …/delayed_events/{id}/restart)",
      `${restarts.length} ok, ${restartErrors} failed; p50 ${fmt(percentile(restarts, 50), 2)} ms, p99 ${fmt(percentile(restarts, 99), 2)} ms, max ${fmt(restarts.at(-1) ?? Number.NaN, 2)} ms`,
    );
    line(
      "plain Bun route, same restart",
      `${baseline.length} ok; p50 ${fmt(percentile(baseline, 50), 2)} ms, p99 ${fmt(percentile(baseline, 99), 2)} ms`,
    );
    line(
      "restart latency ÷ plain route latency",
      `p50 ${fmt(percentile(restarts, 50) / percentile(baseline, 50), 2)}, p99 ${fmt(percentile(restarts, 99) / percentile(baseline, 99), 2)}`,
    );
    line(
      `to-device (${options.participants - 1} devices per request)`,
      `${toDevice.length} ok, ${toDeviceErrors} failed; p50 ${fmt(percentile(toDevice, 50), 2)} ms, p99 ${fmt(percentile(toDevice, 99), 2)} ms`,
    );
    line(
      "delayed leave lag (origin_server_ts − due)",
      `${lags.length}/${victims.length} sent; p50 ${fmt(percentile(lags, 50), 0)} ms, p99 ${fmt(percentile(lags, 99), 0)} ms, max ${fmt(lags.at(-1) ?? Number.NaN, 0)} ms`,
    );
    line(
      "  as a client polling every 20 ms saw it",
      `p50 ${fmt(percentile(seenLags, 50), 0)} ms, max ${fmt(seenLags.at(-1) ?? Number.NaN, 0)} ms`,
    );
    line("survivors still in the call", `${stillIn}/${survivors.length}`);
    const problems = server
      .output()
      .split("\n")
      .filter((text) => /\b(WARN|ERROR)\b/.test(text));
    line("server warnings and errors", problems.length === 0 ? "none" : `${problems.length}, first: ${problems[0]}`);
    if (lags.length < victims.length || stillIn < survivors.length || restartErrors > 0 || toDeviceErrors > 0)
      process.exitCode = 1;
  } finally {
    clearTimeout(watchdog);
    await Promise.all([server.stop(), plain.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const plainIndex = process.argv.indexOf("--plain");
  if (plainIndex !== -1) servePlain(Number(process.argv[plainIndex + 1]));
  else await main(parseOptions(process.argv.slice(2)));
}
