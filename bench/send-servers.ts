/**
 * The two servers bench/send.ts compares, each run in its own process on loopback:
 * - `bunduit`: the real app (createApp) on a fresh database, one user, one room;
 * - `plain`: a plain Bun.serve route doing the minimal /send with signing that
 *   docs/performance.md measures (token lookup, txn check, sha256 content hash, ed25519
 *   signature, insert), and a minimal keyset pagination, at the same durability.
 * Each prints one JSON line {port, token, roomId} and serves until killed.
 */
import { Database } from "bun:sqlite";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../src/app.ts";
import { loadConfig } from "../src/config.ts";
import { createLogger } from "../src/logger.ts";
import { encodeUnpaddedBase64, encodeUnpaddedBase64Url } from "../src/matrix/base64.ts";
import { canonicalJson } from "../src/matrix/canonical-json.ts";
import { signJson } from "../src/matrix/signing.ts";
import { openDatabase } from "../src/storage/database.ts";

export interface Ready {
  port: number;
  token: string;
  roomId: string;
}

export async function bunduit(): Promise<Ready> {
  const dir = mkdtempSync(join(tmpdir(), "bunduit-bench-"));
  const toml = `[global]\nserver_name = "bench.local"\ndatabase_path = "${dir}"\n[global.rate_limits]\nenabled = false\n`;
  const config = loadConfig(toml, {}).config;
  const { app, services, stores } = createApp({ config, db: openDatabase(dir), logger: createLogger("error") });
  const userId = `@bench:${config.server_name}`;
  stores.accounts.insertUser({ user_id: userId, password_hash: null, created_ts: Date.now() });
  stores.devices.insertDevice(userId, "BENCH", null, Date.now());
  const token = services.sessions.issueAccessToken(userId, "BENCH");
  const { room_id } = await services.rooms.create(
    { user_id: userId, device_id: "BENCH", is_guest: false },
    { preset: "public_chat" },
  );
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    reusePort: false,
    idleTimeout: 0,
    fetch: (request) => app.handle(request),
  });
  app.server = server as never;
  return { port: server.port!, token, roomId: room_id };
}

export function plain(): Ready {
  const dir = mkdtempSync(join(tmpdir(), "bunduit-bench-plain-"));
  const db = new Database(join(dir, "plain.db"), { create: true, strict: true });
  for (const pragma of ["journal_mode = WAL", "synchronous = NORMAL", "foreign_keys = ON", "wal_autocheckpoint = 0"])
    db.exec(`PRAGMA ${pragma}`);
  db.exec(`CREATE TABLE tokens (hash BLOB PRIMARY KEY, user_id TEXT NOT NULL, device_id TEXT NOT NULL) STRICT;
    CREATE TABLE txns (user_id TEXT, device_id TEXT, txn_id TEXT, event_id TEXT, PRIMARY KEY (user_id, device_id, txn_id)) STRICT, WITHOUT ROWID;
    CREATE TABLE events (stream INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT UNIQUE NOT NULL, room_id TEXT NOT NULL, json TEXT NOT NULL) STRICT;
    CREATE INDEX events_by_room ON events(room_id, stream);`);
  const token = `plain_${randomBytes(16).toString("hex")}`;
  const sha = (text: string | Buffer) => createHash("sha256").update(text).digest();
  db.query("INSERT INTO tokens VALUES (?, ?, ?)").run(sha(token), "@bench:bench.local", "BENCH");
  const roomId = "!plain:bench.local";
  const key = { keyId: "ed25519:bench", seed: new Uint8Array(randomBytes(32)) };
  const selectToken = db.query<{ user_id: string; device_id: string }, [Buffer]>(
    "SELECT user_id, device_id FROM tokens WHERE hash = ?",
  );
  const selectTxn = db.query<{ event_id: string }, [string, string, string]>(
    "SELECT event_id FROM txns WHERE user_id = ? AND device_id = ? AND txn_id = ?",
  );
  const insertEvent = db.query("INSERT INTO events (event_id, room_id, json) VALUES (?, ?, ?)");
  const insertTxn = db.query("INSERT INTO txns VALUES (?, ?, ?, ?)");
  const page = db.query<{ stream: number; json: string }, [string, number, number]>(
    "SELECT stream, json FROM events WHERE room_id = ? AND stream < ? ORDER BY stream DESC LIMIT ?",
  );
  let depth = 0;
  const send = db.transaction((user: { user_id: string; device_id: string }, txnId: string, content: unknown) => {
    const proto = {
      room_id: roomId,
      sender: user.user_id,
      type: "m.room.message",
      content,
      origin_server_ts: Date.now(),
      depth: ++depth,
      prev_events: [],
      auth_events: [],
    };
    const hashed = { ...proto, hashes: { sha256: encodeUnpaddedBase64(sha(canonicalJson(proto))) } };
    const signed = signJson(hashed, "bench.local", key);
    const json = JSON.stringify(signed);
    const eventId = `$${encodeUnpaddedBase64Url(sha(json))}`;
    insertEvent.run(eventId, roomId, json);
    insertTxn.run(user.user_id, user.device_id, txnId, eventId);
    return eventId;
  });
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    reusePort: false,
    idleTimeout: 0,
    routes: {
      "/_matrix/client/v3/rooms/:roomId/send/:type/:txnId": {
        PUT: async (request) => {
          const user = selectToken.get(sha((request.headers.get("authorization") ?? "").slice(7)));
          if (!user) return Response.json({ errcode: "M_UNKNOWN_TOKEN" }, { status: 401 });
          const content = await request.json();
          const txnId = request.params.txnId;
          const existing = selectTxn.get(user.user_id, user.device_id, txnId);
          return Response.json({ event_id: existing?.event_id ?? send(user, txnId, content) });
        },
      },
      "/_matrix/client/v3/rooms/:roomId/messages": (request) => {
        const url = new URL(request.url);
        const from = Number(url.searchParams.get("from") ?? Number.MAX_SAFE_INTEGER);
        const rows = page.all(roomId, from, Number(url.searchParams.get("limit") ?? 10));
        const end = rows.at(-1)?.stream;
        // Event JSON spliced in as text, the cheapest possible response.
        const body = `{"chunk":[${rows.map((row) => row.json).join(",")}]${end === undefined ? "" : `,"end":"${end}"`}}`;
        return new Response(body, { headers: { "content-type": "application/json" } });
      },
    },
    fetch: () => new Response("not found", { status: 404 }),
  });
  return { port: server.port!, token, roomId };
}

if (import.meta.main) {
  const ready = process.argv[2] === "plain" ? plain() : await bunduit();
  process.stdout.write(`${JSON.stringify(ready)}\n`);
}
