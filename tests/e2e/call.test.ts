/**
 * Calls end to end against a real bunduit process (issue #7).
 *
 * MatrixRTC: matrix-js-sdk participants join one room's call with a LiveKit focus (the SFU
 * need not exist: membership signalling is all Matrix). Two run in processes of their own
 * (fixtures/call-participant.ts) so they can be killed; the observer runs in-process. They
 * see each other's memberships; one leaves cleanly; one is SIGKILLed and its delayed leave
 * (MSC4140, scheduled by the sdk's membership manager) removes it within the delay; and the
 * same after bunduit restarts while the delayed leave is pending.
 *
 * Legacy 1:1 calls: m.call.invite / candidates / answer / select_answer / hangup as room
 * events, each side reading the other's through /sync, in order.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { ClientEvent, createClient, SyncState, type MatrixClient } from "matrix-js-sdk";
import { logger, type Logger } from "matrix-js-sdk/lib/logger.js";
import { MatrixRTCSessionEvent, type MatrixRTCSession } from "matrix-js-sdk/lib/matrixrtc/index.js";
import { openRegistrationToml } from "../support/sdk.ts";
import { startServerProcess, tempDir, type ServerProcess } from "../support/server.ts";

/** The delayed leave each participant schedules: short, so a killed one goes quickly. */
const DELAY_MS = 5_000;
/** Time on top of the delay for the leave to be sent and reach the others' /sync. */
const SLACK_MS = 3_000;

let dir: ReturnType<typeof tempDir>;
let server: ServerProcess;
const clients: MatrixClient[] = [];
const participants: Participant[] = [];

const toml = (path: string) => openRegistrationToml(path);

const quiet = ["log", "debug", "info", "trace", "warn"] as const;
const consoleMethods = quiet.map((method) => [method, console[method]] as const);

beforeAll(async () => {
  (logger as unknown as { disableAll(): void }).disableAll();
  // The sdk's MatrixRTC child loggers log at DEBUG whatever the root's level, binding console's methods when made.
  for (const method of quiet) console[method] = () => {};
  dir = tempDir();
  server = await startServerProcess({ dir: dir.path, toml: toml(dir.path) });
});

afterAll(async () => {
  for (const participant of participants) participant.process.kill("SIGKILL");
  for (const client of clients) client.stopClient();
  await server.stop();
  dir.remove();
  for (const [method, original] of consoleMethods) console[method] = original as never;
});

const silent: Logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, getChild: () => silent };

interface Account {
  user_id: string;
  access_token: string;
  device_id: string;
}

async function http<T = any>(
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

async function ok<T = any>(method: string, path: string, token?: string, body?: unknown): Promise<T> {
  const response = await http<T>(method, path, token, body);
  if (response.status !== 200)
    throw new Error(`${method} ${path} answered ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body;
}

async function register(username: string): Promise<Account> {
  const first = await http("POST", "/_matrix/client/v3/register", undefined, { username, password: "a good password" });
  expect(first.status).toBe(401);
  return ok("POST", "/_matrix/client/v3/register", undefined, {
    username,
    password: "a good password",
    auth: { type: "m.login.dummy", session: first.body.session },
  });
}

/** A room everyone in `members` has joined, created by `owner` with the private preset (call membership open to members). */
async function roomWith(owner: Account, members: Account[]): Promise<string> {
  const { room_id } = await ok("POST", "/_matrix/client/v3/createRoom", owner.access_token, {
    preset: "private_chat",
    name: "call",
    invite: members.map((m) => m.user_id),
  });
  for (const member of members)
    await ok("POST", `/_matrix/client/v3/rooms/${encodeURIComponent(room_id)}/join`, member.access_token, {});
  return room_id;
}

async function startClient(account: Account): Promise<MatrixClient> {
  const client = createClient({
    baseUrl: server.url,
    accessToken: account.access_token,
    userId: account.user_id,
    deviceId: account.device_id,
    logger: silent,
  });
  clients.push(client);
  const prepared = new Promise<void>((resolve) =>
    client.on(ClientEvent.Sync, (state) => state === SyncState.Prepared && resolve()),
  );
  await client.startClient({ initialSyncLimit: 20, lazyLoadMembers: true });
  await within(prepared, 10_000, `${account.user_id} PREPARED`);
  return client;
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    promise,
    new Promise<never>(
      (_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)),
    ),
  ]).finally(() => clearTimeout(timer));
}

const memberId = (account: Account) => `${account.user_id}:${account.device_id}`;
const sessionMembers = (session: MatrixRTCSession) =>
  session.memberships.map((m) => `${m.sender}:${m.deviceId}`).sort();

/** Resolves when the session's memberships are exactly `expected`; fails after `ms`. */
function sessionSees(session: MatrixRTCSession, expected: string[], ms: number, what: string): Promise<void> {
  const wanted = JSON.stringify([...expected].sort());
  return within(
    new Promise<void>((resolve) => {
      const check = () => {
        if (JSON.stringify(sessionMembers(session)) !== wanted) return;
        session.off(MatrixRTCSessionEvent.MembershipsChanged, check);
        resolve();
      };
      session.on(MatrixRTCSessionEvent.MembershipsChanged, check);
      check();
    }),
    ms,
    `${what}: ${wanted} (seen ${JSON.stringify(sessionMembers(session))})`,
  );
}

interface Participant {
  account: Account;
  process: ReturnType<typeof Bun.spawn>;
  lines: Record<string, unknown>[];
  /** Resolves with the first printed line (past or future) that `match` accepts; fails after `ms`. */
  waitFor: (
    match: (line: Record<string, unknown>) => boolean,
    ms: number,
    what: string,
  ) => Promise<Record<string, unknown>>;
  /** Resolves when the participant's latest memberships are exactly `expected`. */
  sees: (expected: string[], ms: number, what: string) => Promise<void>;
  leave: () => void;
}

function spawnParticipant(account: Account, roomId: string): Participant {
  const child = Bun.spawn(
    [
      process.execPath,
      join(import.meta.dir, "fixtures/call-participant.ts"),
      server.url,
      account.access_token,
      account.user_id,
      account.device_id,
      roomId,
      String(DELAY_MS),
    ],
    { stdin: "pipe", stdout: "pipe", stderr: "pipe", env: { ...process.env } },
  );
  const lines: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  let stderr = "";
  void (async () => {
    let buffered = "";
    for await (const chunk of child.stdout as ReadableStream<Uint8Array>) {
      buffered += new TextDecoder().decode(chunk);
      let newline: number;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      for (const waiter of waiters) waiter();
    }
  })();
  void (async () => {
    for await (const chunk of child.stderr as ReadableStream<Uint8Array>) stderr += new TextDecoder().decode(chunk);
  })();
  const waitFor: Participant["waitFor"] = (match, ms, what) => {
    let waiter: () => void = () => {};
    return within(
      new Promise<Record<string, unknown>>((resolve) => {
        let seen = 0;
        waiter = () => {
          for (; seen < lines.length; seen++) if (match(lines[seen]!)) return resolve(lines[seen]!);
        };
        waiters.add(waiter);
        waiter();
      }),
      ms,
      `${account.user_id}: ${what}${stderr ? `\nstderr: ${stderr}` : ""}`,
    ).finally(() => waiters.delete(waiter));
  };
  const latestMemberships = () => [...lines].reverse().find((line) => Array.isArray(line.memberships))?.memberships;
  const participant: Participant = {
    account,
    process: child,
    lines,
    waitFor,
    sees: async (expected, ms, what) => {
      const wanted = JSON.stringify([...expected].sort());
      // Only the latest report counts: an older line that matched may be stale.
      await waitFor(
        () => JSON.stringify(latestMemberships()) === wanted,
        ms,
        `${what}: ${wanted} (latest ${JSON.stringify(latestMemberships())})`,
      );
    },
    leave: () => {
      const stdin = child.stdin as import("bun").FileSink;
      stdin.write("leave\n");
      stdin.flush();
    },
  };
  participants.push(participant);
  return participant;
}

/** The call.member state event of a device, as the server holds it ({} once left). */
async function memberState(roomId: string, account: Account, token: string): Promise<Record<string, unknown>> {
  const key = `_${account.user_id}_${account.device_id}_m.call`;
  return ok(
    "GET",
    `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state/org.matrix.msc3401.call.member/${encodeURIComponent(key)}`,
    token,
  );
}

describe("MatrixRTC calls with matrix-js-sdk", () => {
  test("three participants see each other; a clean leave and a SIGKILL both leave the others' view, the kill within the delayed leave's delay", async () => {
    const [alice, bob, carol] = [await register("alice"), await register("bob"), await register("carol")] as [
      Account,
      Account,
      Account,
    ];
    const roomId = await roomWith(alice, [bob, carol]);

    const aliceClient = await startClient(alice);
    const aliceSession = aliceClient.matrixRTC.getRoomSession(aliceClient.getRoom(roomId)!);
    aliceSession.joinRoomSession(
      [{ type: "livekit", livekit_service_url: "https://livekit.invalid/livekit/jwt", livekit_alias: roomId }],
      undefined, // no multi-SFU focus: focus_active is {type: livekit, focus_selection: oldest_membership}
      { delayedLeaveEventDelayMs: DELAY_MS, delayedLeaveEventRestartMs: 1_000 },
    );
    const bobProcess = spawnParticipant(bob, roomId);
    const carolProcess = spawnParticipant(carol, roomId);

    const everyone = [memberId(alice), memberId(bob), memberId(carol)];
    await sessionSees(aliceSession, everyone, 15_000, "alice sees all three");
    await bobProcess.sees(everyone, 15_000, "bob sees all three");
    await carolProcess.sees(everyone, 15_000, "carol sees all three");
    expect(aliceSession.isJoined()).toBe(true);
    // Each membership carries the focus it was joined with.
    const bobMembership = aliceSession.memberships.find((m) => m.sender === bob.user_id)!;
    expect(bobMembership.deviceId).toBe(bob.device_id);
    expect(bobMembership.transports).toEqual([
      { type: "livekit", livekit_service_url: "https://livekit.invalid/livekit/jwt", livekit_alias: roomId },
    ]);
    expect(bobMembership.getTransport(aliceSession.memberships[0]!)).toMatchObject({
      type: "livekit",
      livekit_service_url: "https://livekit.invalid/livekit/jwt",
    });
    // The sdk scheduled a delayed leave for each device (MSC4140).
    const scheduled = await ok("GET", "/_matrix/client/unstable/org.matrix.msc4140/delayed_events", carol.access_token);
    expect(
      scheduled.delayed_events.filter(
        (e: { room_id: string; state_key: string }) =>
          e.room_id === roomId && e.state_key === `_${carol.user_id}_${carol.device_id}_m.call`,
      ),
    ).toHaveLength(1);

    // Bob leaves cleanly.
    bobProcess.leave();
    await bobProcess.waitFor((line) => line.left === true, 10_000, "bob's leave acknowledged");
    await sessionSees(aliceSession, [memberId(alice), memberId(carol)], 5_000, "alice sees bob go");
    await carolProcess.sees([memberId(alice), memberId(carol)], 5_000, "carol sees bob go");
    expect(await memberState(roomId, bob, alice.access_token)).toEqual({});

    // Carol dies: only her delayed leave can take her out.
    carolProcess.process.kill("SIGKILL");
    await carolProcess.process.exited;
    const killedAt = Date.now();
    await sessionSees(aliceSession, [memberId(alice)], DELAY_MS + SLACK_MS, "alice sees killed carol go");
    expect(Date.now() - killedAt).toBeLessThan(DELAY_MS + SLACK_MS);
    expect(await memberState(roomId, carol, alice.access_token)).toEqual({});

    expect(await aliceSession.leaveRoomSession(5_000)).toBe(true);
    await sessionSees(aliceSession, [], 5_000, "alice sees herself gone");
  }, 60_000);

  test("a delayed leave pending across a bunduit restart (SIGTERM, same dir and port) still fires when its participant is killed", async () => {
    const [erin, frank] = [await register("erin"), await register("frank")] as [Account, Account];
    const roomId = await roomWith(erin, [frank]);
    const erinClient = await startClient(erin);
    const erinSession = erinClient.matrixRTC.getRoomSession(erinClient.getRoom(roomId)!);
    const frankProcess = spawnParticipant(frank, roomId);
    await sessionSees(erinSession, [memberId(frank)], 15_000, "erin sees frank in the call");

    const { port } = server;
    expect(await server.stop("SIGTERM")).toBe(0);
    server = await startServerProcess({ dir: dir.path, toml: toml(dir.path), port });
    expect(server.port).toBe(port);

    // The scheduled leave came back with the server (read with frank's token, which survives too).
    const scheduled = await ok("GET", "/_matrix/client/unstable/org.matrix.msc4140/delayed_events", frank.access_token);
    expect(scheduled.delayed_events.filter((e: { room_id: string }) => e.room_id === roomId)).toHaveLength(1);
    // Frank's client finds the server again and keeps restarting its delayed leave: still in.
    await Bun.sleep(DELAY_MS + 1_000);
    expect(sessionMembers(erinSession)).toEqual([memberId(frank)]);
    expect((await memberState(roomId, frank, erin.access_token)).device_id).toBe(frank.device_id);

    frankProcess.process.kill("SIGKILL");
    await frankProcess.process.exited;
    await sessionSees(erinSession, [], DELAY_MS + SLACK_MS, "erin sees killed frank go after the restart");
    expect(await memberState(roomId, frank, erin.access_token)).toEqual({});
  }, 60_000);

  test("a participant killed while bunduit is down leaves as soon as bunduit is back, its delayed leave having fallen due meanwhile", async () => {
    const [gina, hank] = [await register("gina"), await register("hank")] as [Account, Account];
    const roomId = await roomWith(gina, [hank]);
    const ginaClient = await startClient(gina);
    const ginaSession = ginaClient.matrixRTC.getRoomSession(ginaClient.getRoom(roomId)!);
    const hankProcess = spawnParticipant(hank, roomId);
    await sessionSees(ginaSession, [memberId(hank)], 15_000, "gina sees hank in the call");

    const { port } = server;
    expect(await server.stop("SIGTERM")).toBe(0);
    hankProcess.process.kill("SIGKILL");
    await hankProcess.process.exited;
    await Bun.sleep(DELAY_MS + 500);
    const startedAt = Date.now();
    server = await startServerProcess({ dir: dir.path, toml: toml(dir.path), port });
    await sessionSees(ginaSession, [], 15_000, "gina sees hank go once bunduit is back");
    expect(Date.now() - startedAt).toBeLessThan(15_000);
    expect(await memberState(roomId, hank, gina.access_token)).toEqual({});
  }, 60_000);
});

describe("legacy 1:1 calls (m.call.*) through /sync", () => {
  /** A raw /sync reader: the room's timeline events of other senders, in order, across incremental syncs. */
  function syncReader(account: Account, roomId: string) {
    let since: string | undefined;
    const events: { type: string; content: Record<string, any> }[] = [];
    return {
      events,
      /** An initial sync, so that later ones return only what is new. */
      async start() {
        since = (await ok("GET", "/_matrix/client/v3/sync?timeout=0", account.access_token)).next_batch;
      },
      async until(count: number, ms: number, what: string) {
        const deadline = Date.now() + ms;
        while (events.length < count) {
          if (Date.now() > deadline)
            throw new Error(`timed out waiting for ${what} (have ${JSON.stringify(events.map((e) => e.type))})`);
          const query = `timeout=1000&filter=${encodeURIComponent(JSON.stringify({ room: { timeline: { limit: 50 } } }))}${since ? `&since=${since}` : ""}`;
          const body = await ok("GET", `/_matrix/client/v3/sync?${query}`, account.access_token);
          since = body.next_batch;
          for (const event of body.rooms?.join?.[roomId]?.timeline?.events ?? [])
            if (event.sender !== account.user_id && event.type.startsWith("m.call."))
              events.push({ type: event.type, content: event.content });
        }
        return events;
      },
    };
  }

  test("invite, candidates, answer, select_answer and hangup arrive at the other side in order", async () => {
    const [caller, callee] = [await register("caller"), await register("callee")] as [Account, Account];
    const roomId = await roomWith(caller, [callee]);
    const callerSync = syncReader(caller, roomId);
    const calleeSync = syncReader(callee, roomId);
    // Both start from "now", so only the call's events count.
    await callerSync.start();
    await calleeSync.start();

    const call_id = "call-1";
    const base = { call_id, version: "1" };
    let txn = 0;
    const send = (account: Account, type: string, content: Record<string, unknown>) =>
      ok(
        "PUT",
        `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/${type}/t${txn++}`,
        account.access_token,
        content,
      );
    const candidate = (n: number) => ({
      candidate: `candidate:${n} 1 UDP 2122252543 192.0.2.${n} 5000${n} typ host`,
      sdpMid: "0",
      sdpMLineIndex: 0,
    });

    await send(caller, "m.call.invite", {
      ...base,
      party_id: "CALLER",
      lifetime: 60_000,
      offer: { type: "offer", sdp: "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n" },
    });
    await send(caller, "m.call.candidates", { ...base, party_id: "CALLER", candidates: [candidate(1)] });
    await send(caller, "m.call.candidates", { ...base, party_id: "CALLER", candidates: [candidate(2), candidate(3)] });
    const atCallee = await calleeSync.until(3, 10_000, "the invite and candidates at the callee");
    expect(atCallee.map((e) => e.type)).toEqual(["m.call.invite", "m.call.candidates", "m.call.candidates"]);
    expect(atCallee[0]!.content.offer.type).toBe("offer");
    expect(
      atCallee
        .slice(1)
        .flatMap((e) => e.content.candidates.map((c: { candidate: string }) => c.candidate.split(" ")[0])),
    ).toEqual(["candidate:1", "candidate:2", "candidate:3"]);

    await send(callee, "m.call.answer", {
      ...base,
      party_id: "CALLEE",
      answer: { type: "answer", sdp: "v=0\r\no=- 2 1 IN IP4 0.0.0.0\r\n" },
    });
    await send(callee, "m.call.candidates", { ...base, party_id: "CALLEE", candidates: [candidate(4)] });
    const atCaller = await callerSync.until(2, 10_000, "the answer and candidates at the caller");
    expect(atCaller.map((e) => [e.type, e.content.party_id])).toEqual([
      ["m.call.answer", "CALLEE"],
      ["m.call.candidates", "CALLEE"],
    ]);
    expect(atCaller[0]!.content.answer.type).toBe("answer");

    await send(caller, "m.call.select_answer", { ...base, party_id: "CALLER", selected_party_id: "CALLEE" });
    await send(caller, "m.call.hangup", { ...base, party_id: "CALLER", reason: "user_hangup" });
    const all = await calleeSync.until(5, 10_000, "select_answer and hangup at the callee");
    expect(all.map((e) => e.type)).toEqual([
      "m.call.invite",
      "m.call.candidates",
      "m.call.candidates",
      "m.call.select_answer",
      "m.call.hangup",
    ]);
    expect(all.every((e) => e.content.call_id === call_id && e.content.party_id === "CALLER")).toBe(true);
    expect(all[4]!.content.reason).toBe("user_hangup");
  }, 30_000);
});
