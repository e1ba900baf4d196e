/**
 * The soak workload shared by tests/e2e/soak.test.ts and bench/soak.ts: writers send room
 * messages, state events, to-device messages and account data as fast as the server answers,
 * while /sync long-polls stay parked; then every acknowledged write is read back.
 *
 * - Writers share one room; each also keeps a /sync loop in it (woken by the others' writes).
 * - Long-polls belong to a user outside the room, so they stay parked until their timeout
 *   (then go round again) rather than waking on every write.
 * - To-device messages go to one device of a recipient that does not sync during the soak;
 *   it reads its inbox at the end.
 * - State and account data cycle through KEYS keys per writer (unbounded room state would
 *   measure state growth, not durability): every state event must be in the room's
 *   timeline, and /state and GET account_data must hold the last acknowledged value.
 *
 * The server needs open registration, no rate limits and room for the to-device inboxes
 * (soakToml). Only the given base URL (loopback) is contacted; every loop ends at the deadline.
 */
const V3 = "/_matrix/client/v3";
const KEYS = 16;
const STATE_TYPE = "org.example.soak.state";
const TO_DEVICE_TYPE = "org.example.soak.to_device";
const ACCOUNT_DATA_TYPE = "org.example.soak.account_data";

export interface SoakOptions {
  url: string;
  writers: number;
  longPolls: number;
  durationMs: number;
  /** How long each parked /sync waits before the server answers it empty. */
  longPollTimeoutMs?: number;
  /** Called about once a second while writing (the bench samples the server's memory here). */
  onTick?: () => void;
}

export interface SoakCounts {
  messages: number;
  state: number;
  toDevice: number;
  accountData: number;
}

export interface SoakResult {
  acknowledged: SoakCounts;
  readBack: SoakCounts;
  /** Writes the server did not acknowledge (an error status or a failed request). */
  refused: number;
  /** Long-polls that ended with an error rather than an answer, while writing. */
  longPollErrors: number;
  longPollsAnswered: number;
  /** One line per write acknowledged but not read back (at most 20). */
  lost: string[];
}

/**
 * conduit.toml for a soak: open registration, no rate limits, an inbox large enough to keep
 * every to-device message. `global` adds keys to [global]; `tables` adds tables after it.
 */
export function soakToml(dir: string, extra: { global?: string; tables?: string } = {}): string {
  return (
    `[global]\nserver_name = "soak.local"\ndatabase_path = "${dir}/data"\nport = 0\nallow_registration = true\n${extra.global ?? ""}\n` +
    `[global.rate_limits]\nenabled = false\n[global.to_device]\nmax_messages_per_device = 100000000\n${extra.tables ?? ""}`
  );
}

interface Session {
  user_id: string;
  device_id: string;
  access_token: string;
}

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const { url } = options;
  const longPollTimeoutMs = options.longPollTimeoutMs ?? 30_000;

  async function call<T = any>(
    method: string,
    path: string,
    token?: string,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<{ status: number; body: T }> {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      ...(signal ? { signal } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }
  async function ok<T = any>(method: string, path: string, token?: string, body?: unknown): Promise<T> {
    const response = await call<T>(method, path, token, body);
    if (response.status !== 200)
      throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }

  const run = crypto.randomUUID().slice(0, 8);
  async function register(name: string): Promise<Session> {
    const body = { username: `${name}-${run}`, password: "a soak password" };
    const first = await call<{ session?: string }>("POST", `${V3}/register`, undefined, body);
    return ok("POST", `${V3}/register`, undefined, {
      ...body,
      auth: { type: "m.login.dummy", session: first.body.session },
    });
  }

  // Accounts: the writers, the to-device recipient, and one user whose device holds every parked long-poll.
  const sessions = await Promise.all(
    ["recipient", "watcher", ...Array.from({ length: options.writers }, (_, i) => `writer${i}`)].map(register),
  );
  const [recipient, watcher] = sessions as [Session, Session];
  const writers = sessions.slice(2);
  const { room_id: roomId } = await ok<{ room_id: string }>("POST", `${V3}/createRoom`, writers[0]!.access_token, {
    preset: "public_chat",
    power_level_content_override: { state_default: 0 },
  });
  for (const writer of writers.slice(1))
    await ok("POST", `${V3}/join/${encodeURIComponent(roomId)}`, writer.access_token, {});
  const room = `${V3}/rooms/${encodeURIComponent(roomId)}`;

  // Long-polls and the writers' own sync loops run until `stopSyncing` aborts them.
  const stopSyncing = new AbortController();
  let longPollErrors = 0;
  let longPollsAnswered = 0;
  async function syncLoop(session: Session, timeoutMs: number, parked: boolean): Promise<void> {
    let since: string | undefined;
    while (!stopSyncing.signal.aborted) {
      const query = since ? `?since=${encodeURIComponent(since)}&timeout=${timeoutMs}` : "?timeout=0";
      try {
        const response = await call<{ next_batch: string }>(
          "GET",
          `${V3}/sync${query}`,
          session.access_token,
          undefined,
          stopSyncing.signal,
        );
        if (response.status !== 200) throw new Error(`sync: ${response.status}`);
        since = response.body.next_batch;
        if (parked) longPollsAnswered++;
      } catch (error) {
        if (stopSyncing.signal.aborted) return;
        if (parked) longPollErrors++;
        await Bun.sleep(100);
      }
    }
  }
  const syncing = [
    ...Array.from({ length: options.longPolls }, (_, i) => syncLoop(watcher, longPollTimeoutMs, true)),
    ...writers.map((writer) => syncLoop(writer, 10_000, false)),
  ];

  const deadline = Date.now() + options.durationMs;
  // The writers: one request in flight each, cycling through the four kinds of write.
  const messages = new Map<string, string>(); // event_id → "writer n"
  const stateEvents = new Map<string, string>();
  const lastState = new Map<string, number>(); // "writerIndex.key" → n
  const toDeviceSent = new Set<string>();
  const lastAccountData = new Map<string, number>(); // "writerIndex.key" → n
  let accountDataAcknowledged = 0;
  let refused = 0;
  let tick = Date.now();
  async function writerLoop(writer: Session, index: number): Promise<void> {
    const token = writer.access_token;
    for (let n = 0; Date.now() < deadline; n++) {
      const key = n % KEYS;
      const id = `${index}.${n}`;
      try {
        switch (n % 4) {
          case 0: {
            const r = await call<{ event_id: string }>("PUT", `${room}/send/m.room.message/m${n}`, token, {
              msgtype: "m.text",
              body: id,
            });
            if (r.status !== 200) throw new Error(String(r.status));
            messages.set(r.body.event_id, id);
            break;
          }
          case 1: {
            const r = await call<{ event_id: string }>("PUT", `${room}/state/${STATE_TYPE}/${index}.${key}`, token, {
              n,
            });
            if (r.status !== 200) throw new Error(String(r.status));
            stateEvents.set(r.body.event_id, id);
            lastState.set(`${index}.${key}`, n);
            break;
          }
          case 2: {
            const r = await call("PUT", `${V3}/sendToDevice/${TO_DEVICE_TYPE}/t${n}`, token, {
              messages: { [recipient.user_id]: { [recipient.device_id]: { id } } },
            });
            if (r.status !== 200) throw new Error(String(r.status));
            toDeviceSent.add(id);
            break;
          }
          default: {
            const r = await call(
              "PUT",
              `${V3}/user/${encodeURIComponent(writer.user_id)}/account_data/${ACCOUNT_DATA_TYPE}.${key}`,
              token,
              { n },
            );
            if (r.status !== 200) throw new Error(String(r.status));
            lastAccountData.set(`${index}.${key}`, n);
            accountDataAcknowledged++;
          }
        }
      } catch {
        refused++;
      }
      if (options.onTick && Date.now() - tick >= 1000) {
        tick = Date.now();
        options.onTick();
      }
    }
  }
  await Promise.all(writers.map((writer, index) => writerLoop(writer, index)));
  stopSyncing.abort();
  await Promise.all(syncing);

  // Read back. Room: the whole timeline through /messages, then the current state.
  const lost: string[] = [];
  const miss = (line: string) => {
    if (lost.length < 20) lost.push(line);
  };
  const seen = new Set<string>();
  let from: string | undefined;
  for (let page = 0; page < 1_000_000; page++) {
    const query = `?dir=b&limit=1000${from ? `&from=${encodeURIComponent(from)}` : ""}`;
    const body = await ok<{ chunk: { event_id: string }[]; end?: string }>(
      "GET",
      `${room}/messages${query}`,
      writers[0]!.access_token,
    );
    for (const event of body.chunk) seen.add(event.event_id);
    if (!body.end || body.chunk.length === 0) break;
    from = body.end;
  }
  const readBack: SoakCounts = { messages: 0, state: 0, toDevice: 0, accountData: 0 };
  for (const [eventId, id] of messages) {
    if (seen.has(eventId)) readBack.messages++;
    else miss(`message ${id} (${eventId})`);
  }
  const state = await ok<{ type: string; state_key: string; content: { n: number } }[]>(
    "GET",
    `${room}/state`,
    writers[0]!.access_token,
  );
  const current = new Map(state.filter((e) => e.type === STATE_TYPE).map((e) => [e.state_key, e.content.n]));
  for (const [eventId, id] of stateEvents) {
    if (seen.has(eventId)) readBack.state++;
    else miss(`state event ${id} (${eventId}) not in the timeline`);
  }
  for (const [key, n] of lastState)
    if (current.get(key) !== n) miss(`state ${key}: /state has ${current.get(key)}, last acknowledged ${n}`);

  // To-device: the recipient syncs until its inbox is empty (each answer carries at most a page).
  const received = new Set<string>();
  {
    let since: string | undefined;
    for (let page = 0; page < 1_000_000; page++) {
      const body = await ok<{
        next_batch: string;
        to_device?: { events: { type: string; content: { id: string } }[] };
      }>("GET", `${V3}/sync?timeout=0${since ? `&since=${encodeURIComponent(since)}` : ""}`, recipient.access_token);
      const events = (body.to_device?.events ?? []).filter((e) => e.type === TO_DEVICE_TYPE);
      for (const event of events) received.add(event.content.id);
      if (since !== undefined && events.length === 0) break;
      since = body.next_batch;
    }
  }
  for (const id of toDeviceSent) {
    if (received.has(id)) readBack.toDevice++;
    else miss(`to-device ${id}`);
  }

  // Account data: the last acknowledged value of every key.
  let accountDataMatches = 0;
  for (const [key, n] of lastAccountData) {
    const [index, k] = key.split(".");
    const writer = writers[Number(index)]!;
    const r = await call<{ n: number }>(
      "GET",
      `${V3}/user/${encodeURIComponent(writer.user_id)}/account_data/${ACCOUNT_DATA_TYPE}.${k}`,
      writer.access_token,
    );
    if (r.status === 200 && r.body.n === n) accountDataMatches++;
    else miss(`account data ${key}: ${r.status} ${JSON.stringify(r.body)}, last acknowledged ${n}`);
  }
  // Every acknowledged account-data write is counted read back when its key holds the last one (later writes overwrite earlier ones).
  readBack.accountData = accountDataMatches === lastAccountData.size ? accountDataAcknowledged : accountDataMatches;

  return {
    acknowledged: {
      messages: messages.size,
      state: stateEvents.size,
      toDevice: toDeviceSent.size,
      accountData: accountDataAcknowledged,
    },
    readBack,
    refused,
    longPollErrors,
    longPollsAnswered,
    lost,
  };
}
