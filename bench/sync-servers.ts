/**
 * The two servers bench/sync.ts compares, each in its own process on loopback:
 * - `bunduit`: the real app on a fresh database with `--users` users joined to one room
 *   (plus a sender), and one account joined to `--rooms` rooms;
 * - `plain`: a plain Bun.serve doing the least a sync server must: GET /sync parks the
 *   request until PUT /send stores an event and answers every parked request with it (the
 *   "raw wake" of docs/performance.md), an initial sync reading the latest 10 events of each
 *   of `--rooms` rooms and splicing their JSON, and an incremental sync that looks up the
 *   token and the stream head.
 * Each prints one JSON line (Ready) and serves until killed. A second port answers
 * GET /parked (requests waiting) and GET /memory (process.memoryUsage() after a GC).
 */
import { Database } from "bun:sqlite";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../src/app.ts";
import { loadConfig } from "../src/config.ts";
import { createLogger } from "../src/logger.ts";
import { openDatabase } from "../src/storage/database.ts";

export interface Ready {
  port: number;
  control: number;
  /** Tokens of the users in the shared room, who long-poll. */
  tokens: string[];
  senderToken: string;
  roomId: string;
  /** The account in many rooms. */
  bigToken: string;
  /** A next_batch every long-polling user may start from. */
  since: string;
}

function control(parked: () => number): number {
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      const path = new URL(request.url).pathname;
      if (path === "/parked") return Response.json(parked());
      Bun.gc(true);
      return Response.json(process.memoryUsage());
    },
  });
  return server.port!;
}

export async function bunduit(users: number, rooms: number): Promise<Ready> {
  const dir = mkdtempSync(join(tmpdir(), "bunduit-bench-sync-"));
  const toml = `[global]\nserver_name = "bench.local"\ndatabase_path = "${dir}"\n[global.rate_limits]\nenabled = false\n`;
  const config = loadConfig(toml, {}).config;
  const { app, services, stores } = createApp({ config, db: openDatabase(dir), logger: createLogger("error") });
  const account = (name: string) => {
    const userId = `@${name}:${config.server_name}`;
    stores.accounts.insertUser({ user_id: userId, password_hash: null, created_ts: Date.now() });
    stores.devices.insertDevice(userId, "BENCH", null, Date.now());
    return {
      requester: { user_id: userId, device_id: "BENCH", is_guest: false },
      token: services.sessions.issueAccessToken(userId, "BENCH"),
    };
  };
  const sender = account("sender");
  const { room_id: roomId } = await services.rooms.create(sender.requester, { preset: "public_chat" });
  const tokens: string[] = [];
  for (let i = 0; i < users; i++) {
    const user = account(`user${i}`);
    await services.rooms.join(user.requester, roomId);
    tokens.push(user.token);
  }
  const big = account("big");
  await Promise.all(
    Array.from({ length: rooms }, (_, i) =>
      services.rooms.create(big.requester, { preset: "private_chat", name: `Room ${i}` }),
    ),
  );
  // Every user's token holds the same positions (fresh devices have empty inboxes).
  const first = await services.sync.sync(
    { user_id: `@user0:${config.server_name}`, device_id: "BENCH" },
    { filter: '{"room":{"rooms":[]}}', set_presence: "offline" },
  );
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    reusePort: false,
    idleTimeout: 0,
    fetch: (request) => app.handle(request),
  });
  app.server = server as never;
  return {
    port: server.port!,
    control: control(() => services.syncNotifier.parkedCount()),
    tokens,
    senderToken: sender.token,
    roomId,
    bigToken: big.token,
    since: first.next_batch,
  };
}

export function plain(users: number, rooms: number): Ready {
  const dir = mkdtempSync(join(tmpdir(), "bunduit-bench-sync-plain-"));
  const db = new Database(join(dir, "plain.db"), { create: true, strict: true });
  for (const pragma of ["journal_mode = WAL", "synchronous = NORMAL", "wal_autocheckpoint = 0"])
    db.exec(`PRAGMA ${pragma}`);
  db.exec(`CREATE TABLE tokens (hash BLOB PRIMARY KEY, user_id TEXT NOT NULL) STRICT;
    CREATE TABLE events (stream INTEGER PRIMARY KEY, event_id TEXT UNIQUE NOT NULL, room_id TEXT NOT NULL, json TEXT NOT NULL) STRICT;
    CREATE INDEX events_by_room ON events(room_id, stream);`);
  const sha = (text: string) => createHash("sha256").update(text).digest();
  const token = `plain_${randomBytes(16).toString("hex")}`;
  db.query("INSERT INTO tokens VALUES (?, ?)").run(sha(token), "@bench:bench.local");
  const insertEvent = db.query<void, [string, string, string]>(
    "INSERT INTO events (event_id, room_id, json) VALUES (?, ?, ?)",
  );
  const event = (roomId: string, body: string) => {
    const eventId = `$${randomBytes(16).toString("hex")}`;
    const json = JSON.stringify({
      type: "m.room.message",
      event_id: eventId,
      sender: "@bench:bench.local",
      origin_server_ts: Date.now(),
      content: { msgtype: "m.text", body },
      unsigned: { age: 0 },
    });
    insertEvent.run(eventId, roomId, json);
    return json;
  };
  db.transaction(() => {
    for (let r = 0; r < rooms; r++) for (let n = 0; n < 12; n++) event(`!room${r}:bench.local`, `message ${n}`);
  })();
  const selectToken = db.query<{ user_id: string }, [Buffer]>("SELECT user_id FROM tokens WHERE hash = ?");
  const selectLatest = db.query<{ json: string }, [string]>(
    "SELECT json FROM events WHERE room_id = ? ORDER BY stream DESC LIMIT 10",
  );
  const selectHead = db.query<{ stream: number }, []>("SELECT MAX(stream) AS stream FROM events");
  const parked: ((json: string) => void)[] = [];
  const authorized = (request: Request) =>
    selectToken.get(sha((request.headers.get("authorization") ?? "").slice(7))) !== null;

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    reusePort: false,
    idleTimeout: 0,
    routes: {
      "/_matrix/client/v3/sync": (request) => {
        if (!authorized(request)) return Response.json({ errcode: "M_UNKNOWN_TOKEN" }, { status: 401 });
        const url = new URL(request.url);
        const timeout = Number(url.searchParams.get("timeout") ?? 0);
        if (url.searchParams.has("since") && timeout > 0) {
          return new Promise<Response>((resolve) => {
            const answer = (json: string) => {
              clearTimeout(timer);
              resolve(
                new Response(`{"next_batch":"1","events":[${json}]}`, {
                  headers: { "content-type": "application/json" },
                }),
              );
            };
            const timer = setTimeout(() => {
              parked.splice(parked.indexOf(answer), 1);
              resolve(Response.json({ next_batch: "1", events: [] }));
            }, timeout);
            parked.push(answer);
          });
        }
        if (url.searchParams.has("since")) return Response.json({ next_batch: String(selectHead.get()!.stream) });
        const parts = Array.from(
          { length: rooms },
          (_, r) =>
            `"!room${r}:bench.local":[${selectLatest
              .all(`!room${r}:bench.local`)
              .map((row) => row.json)
              .join(",")}]`,
        );
        return new Response(`{"next_batch":"${selectHead.get()!.stream}","rooms":{${parts.join(",")}}}`, {
          headers: { "content-type": "application/json" },
        });
      },
      "/_matrix/client/v3/rooms/:roomId/send/:type/:txnId": {
        PUT: async (request) => {
          if (!authorized(request)) return Response.json({ errcode: "M_UNKNOWN_TOKEN" }, { status: 401 });
          const content = (await request.json()) as { body: string };
          const json = event("!shared:bench.local", content.body);
          for (const wake of parked.splice(0)) wake(json);
          return Response.json({ event_id: (JSON.parse(json) as { event_id: string }).event_id });
        },
      },
    },
    fetch: () => new Response("not found", { status: 404 }),
  });
  return {
    port: server.port!,
    control: control(() => parked.length),
    tokens: Array.from({ length: users }, () => token),
    senderToken: token,
    roomId: "!shared:bench.local",
    bigToken: token,
    since: "0",
  };
}

if (import.meta.main) {
  const [kind, users, rooms] = [process.argv[2], Number(process.argv[3] ?? 1000), Number(process.argv[4] ?? 500)];
  const ready = kind === "plain" ? plain(users, rooms) : await bunduit(users, rooms);
  process.stdout.write(`${JSON.stringify(ready)}\n`);
}
