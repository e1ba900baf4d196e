/**
 * /sync long-polls over real sockets against a real server process: each kind of change wakes
 * a parked sync at once, an idle one times out, concurrent senders and syncers lose and
 * duplicate nothing, and a stopping server answers parked syncs without waiting them out.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { deviceKeysFor } from "../../support/e2ee.ts";
import { startServerProcess, tempDir, type ServerProcess } from "../../support/server.ts";
import { PROCESS_TEST_TIMEOUT_MS } from "../../support/process-timeout.ts";

interface User {
  user_id: string;
  device_id: string;
  access_token: string;
}

let dir: ReturnType<typeof tempDir>;
let server: ServerProcess;
let counter = 0;

const tomlFor = (path: string) =>
  `[global]\nserver_name = "test.local"\ndatabase_path = "${join(path, "data")}"\nport = 0\nallow_registration = true\nshutdown_grace_seconds = 30\n[global.rate_limits]\nenabled = false\n`;

beforeAll(async () => {
  dir = tempDir();
  server = await startServerProcess({ dir: dir.path, toml: tomlFor(dir.path) });
}, PROCESS_TEST_TIMEOUT_MS);

afterAll(async () => {
  await server.stop();
  dir.remove();
});

async function call(method: string, path: string, token?: string, body?: unknown): Promise<any> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function register(): Promise<User> {
  const username = `lp${++counter}_${Math.random().toString(36).slice(2, 8)}`;
  const first = await fetch(`${server.url}/_matrix/client/v3/register`, {
    method: "POST",
    body: JSON.stringify({ username, password: "a good password" }),
  });
  const { session } = (await first.json()) as { session: string };
  return call("POST", "/_matrix/client/v3/register", undefined, {
    username,
    password: "a good password",
    auth: { type: "m.login.dummy", session },
  });
}

const room = (roomId: string, rest: string) => `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}${rest}`;
let txn = 0;
const send = (user: User, roomId: string, body: string) =>
  call("PUT", room(roomId, `/send/m.room.message/lp${++txn}`), user.access_token, { msgtype: "m.text", body });

function syncOnce(user: User, since?: string, timeout = 0, extra = ""): Promise<any> {
  const query = new URLSearchParams({ timeout: String(timeout), set_presence: "offline", ...(since ? { since } : {}) });
  return call("GET", `/_matrix/client/v3/sync?${query}${extra}`, user.access_token);
}

/** Parks a sync, runs `change` once it is surely parked, and returns the response and how long it took. */
async function wokenBy(user: User, since: string, change: () => Promise<unknown>): Promise<{ body: any; ms: number }> {
  const started = performance.now();
  const pending = syncOnce(user, since, 20_000);
  await Bun.sleep(100);
  await change();
  const body = await pending;
  return { body, ms: performance.now() - started };
}

async function sharedRoom(): Promise<{ alice: User; bob: User; roomId: string }> {
  const [alice, bob] = [await register(), await register()];
  const { room_id: roomId } = await call("POST", "/_matrix/client/v3/createRoom", alice.access_token, {
    preset: "public_chat",
  });
  await call("POST", `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, bob.access_token, {});
  return { alice, bob, roomId };
}

describe("/sync long-polls", () => {
  test("time out with an empty response when nothing happens", async () => {
    const { bob } = await sharedRoom();
    const since = (await syncOnce(bob)).next_batch;
    const started = performance.now();
    const body = await syncOnce(bob, since, 400);
    const ms = performance.now() - started;
    expect(ms).toBeGreaterThanOrEqual(380);
    expect(ms).toBeLessThan(3_000);
    expect(body.rooms.join).toEqual({});
    expect(body.to_device.events).toEqual([]);
  });

  test("wake at once for a new event, typing, a receipt, a to-device message, account data, a device list and an invite", async () => {
    const { alice, bob, roomId } = await sharedRoom();
    let since = (await syncOnce(bob)).next_batch;
    const cases: [string, () => Promise<unknown>, (body: any) => boolean][] = [
      [
        "event",
        () => send(alice, roomId, "wake"),
        (b) => b.rooms.join[roomId]?.timeline.events.some((e: any) => e.content.body === "wake"),
      ],
      [
        "typing",
        () =>
          call("PUT", room(roomId, `/typing/${encodeURIComponent(alice.user_id)}`), alice.access_token, {
            typing: true,
            timeout: 5000,
          }),
        (b) => b.rooms.join[roomId]?.ephemeral.events.some((e: any) => e.type === "m.typing"),
      ],
      [
        "receipt",
        async () => {
          const { chunk } = await call("GET", room(roomId, "/messages?dir=b&limit=1"), alice.access_token);
          return call(
            "POST",
            room(roomId, `/receipt/m.read/${encodeURIComponent(chunk[0].event_id)}`),
            alice.access_token,
            {},
          );
        },
        (b) => b.rooms.join[roomId]?.ephemeral.events.some((e: any) => e.type === "m.receipt"),
      ],
      [
        "to-device",
        () =>
          call("PUT", `/_matrix/client/v3/sendToDevice/m.test/lp${++txn}`, alice.access_token, {
            messages: { [bob.user_id]: { [bob.device_id]: { hi: 1 } } },
          }),
        (b) => b.to_device.events.length === 1,
      ],
      [
        "account data",
        () =>
          call(
            "PUT",
            `/_matrix/client/v3/user/${encodeURIComponent(bob.user_id)}/account_data/org.example`,
            bob.access_token,
            { x: 1 },
          ),
        (b) => b.account_data.events.some((e: any) => e.type === "org.example"),
      ],
      [
        "device list",
        () =>
          call("POST", "/_matrix/client/v3/keys/upload", alice.access_token, {
            device_keys: deviceKeysFor(alice).device_keys,
          }),
        (b) => b.device_lists.changed.includes(alice.user_id),
      ],
    ];
    for (const [what, change, seen] of cases) {
      const { body, ms } = await wokenBy(bob, since, change);
      expect(`${what}: ${seen(body) ? "seen" : JSON.stringify(body)}`).toBe(`${what}: seen`);
      expect(ms).toBeLessThan(2_000);
      since = body.next_batch;
    }
    const { room_id: other } = await call("POST", "/_matrix/client/v3/createRoom", alice.access_token, {});
    const { body, ms } = await wokenBy(bob, since, () =>
      call("POST", room(other, "/invite"), alice.access_token, { user_id: bob.user_id }),
    );
    expect(Object.keys(body.rooms.invite)).toEqual([other]);
    expect(ms).toBeLessThan(2_000);
  });

  test("concurrent senders and syncers: every syncer sees every event once, in the room's order", async () => {
    const senders = await Promise.all([register(), register(), register(), register()]);
    const syncers = await Promise.all([register(), register(), register()]);
    const { room_id: roomId } = await call("POST", "/_matrix/client/v3/createRoom", senders[0]!.access_token, {
      preset: "public_chat",
    });
    for (const user of [...senders.slice(1), ...syncers])
      await call("POST", `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, user.access_token, {});
    const PER_SENDER = 25;
    const total = senders.length * PER_SENDER;
    const filter = `&filter=${encodeURIComponent(JSON.stringify({ room: { timeline: { limit: 1000, types: ["m.room.message"] } } }))}`;
    const starts = await Promise.all(syncers.map((user) => syncOnce(user, undefined, 0, filter)));
    const seen: string[][] = syncers.map(() => []);
    let sending = true;
    const loops = syncers.map(async (user, i) => {
      let since: string = starts[i]!.next_batch;
      while (sending || seen[i]!.length < total) {
        const body = await syncOnce(user, since, 2_000, filter);
        const events = body.rooms.join[roomId]?.timeline.events ?? [];
        expect(body.rooms.join[roomId]?.timeline.limited ?? false).toBe(false);
        seen[i]!.push(...events.map((e: any) => e.event_id));
        since = body.next_batch;
        if (!sending && events.length === 0 && seen[i]!.length >= total) break;
      }
    });
    await Promise.all(
      senders.map(async (user, s) => {
        for (let n = 0; n < PER_SENDER; n++) await send(user, roomId, `${s}:${n}`);
      }),
    );
    sending = false;
    await Promise.all(loops);
    const { chunk } = await call(
      "GET",
      room(
        roomId,
        `/messages?dir=f&limit=1000&filter=${encodeURIComponent(JSON.stringify({ types: ["m.room.message"] }))}`,
      ),
      syncers[0]!.access_token,
    );
    const order = chunk.map((e: any) => e.event_id);
    expect(order).toHaveLength(total);
    for (const ids of seen) expect(ids).toEqual(order);
  }, 60_000);
});

describe("stopping the server", () => {
  test(
    "answers parked long-polls at once instead of waiting out the grace period",
    async () => {
      const own = tempDir();
      const stopping = await startServerProcess({ dir: own.path, toml: tomlFor(own.path) });
      try {
        const username = `stop${Math.random().toString(36).slice(2, 8)}`;
        const first = await fetch(`${stopping.url}/_matrix/client/v3/register`, {
          method: "POST",
          body: JSON.stringify({ username, password: "a good password" }),
        });
        const { session } = (await first.json()) as { session: string };
        const user = (await (
          await fetch(`${stopping.url}/_matrix/client/v3/register`, {
            method: "POST",
            body: JSON.stringify({ username, password: "a good password", auth: { type: "m.login.dummy", session } }),
          })
        ).json()) as User;
        const headers = { Authorization: `Bearer ${user.access_token}` };
        const since = (
          (await (await fetch(`${stopping.url}/_matrix/client/v3/sync`, { headers })).json()) as { next_batch: string }
        ).next_batch;
        const parked = fetch(`${stopping.url}/_matrix/client/v3/sync?timeout=60000&since=${since}`, { headers });
        await Bun.sleep(150);
        const started = performance.now();
        const exited = stopping.stop("SIGTERM");
        const res = await parked;
        expect(res.status).toBe(200);
        expect(((await res.json()) as { next_batch: string }).next_batch).toBeString();
        expect(await exited).toBe(0);
        expect(performance.now() - started).toBeLessThan(5_000);
      } finally {
        own.remove();
      }
    },
    PROCESS_TEST_TIMEOUT_MS,
  );
});
