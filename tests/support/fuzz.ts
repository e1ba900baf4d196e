/**
 * A fuzzer generated from the server's own OpenAPI document (GET /_bunduit/openapi.json):
 * for every operation, requests broken in one way each (wrong types, missing fields, huge and
 * deeply nested values, invalid UTF-8, hostile path and query parameters, numbers out of
 * range), sent with a valid token. A finding is a 5xx or an error that is not a Matrix error
 * body. Seeded: the same seed sends the same requests. tests/api/fuzz.test.ts runs a bounded
 * number in the suite; bench/fuzz.ts runs for as long as asked.
 */
import { createUser, type TestUser } from "./fixtures.ts";
import { fuzzCase, operationsOf, type FuzzCase, type OpenApi } from "./fuzz-cases.ts";
import { seededRandom } from "./fuzz-values.ts";
import type { TestResponse, TestServer } from "./server.ts";
import { registerAppservice } from "./fake-appservice.ts";

export { fuzzCase, operationsOf };

export interface Finding {
  kind: string;
  operation: string;
  request: string;
  status: number;
  body: string;
}

/** Accounts, a room and an event the fuzzed requests name, so that a broken field is the only thing wrong. */
export async function fuzzActors(server: TestServer) {
  const user = await createUser(server, "fuzzuser");
  const adminId = await server.services.accounts.createUser("fuzzadmin", "correct horse", { admin: true });
  const admin = withNewDevice(server, { user_id: adminId, device_id: "", access_token: "" }, 0);
  const appservice = registerAppservice(server, { url: null });
  const room = await server.post(
    "/_matrix/client/v3/createRoom",
    { preset: "public_chat", room_alias_name: "fuzz" },
    { token: admin.access_token },
  );
  const roomId = room.body.room_id as string;
  await server.post(`/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, {}, { token: user.access_token });
  const sent = await server.put(
    `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/fuzz0`,
    { msgtype: "m.text", body: "hi" },
    { token: user.access_token },
  );
  // Counts the devices made for tokens a request revoked, so that their ids, like the requests, follow from the seed.
  return { admin, user, appservice, roomId, eventId: sent.body.event_id as string, devicesMade: 1 };
}
export type FuzzActors = Awaited<ReturnType<typeof fuzzActors>>;

/** What is wrong with an answer, or undefined when it is fine. */
export function problemWith(response: TestResponse): string | undefined {
  if (response.status >= 500) return "5xx";
  if (response.status < 400) return undefined;
  const body = response.body as Record<string, unknown> | undefined;
  if (!body || typeof body !== "object" || Array.isArray(body)) return "error body is not a JSON object";
  // The 401 of user-interactive auth is the auth state; errcode appears only after a failed stage.
  if (response.status === 401 && Array.isArray(body.flows) && body.errcode === undefined) return undefined;
  if (typeof body.errcode !== "string" || typeof body.error !== "string")
    return "error body lacks string errcode and error";
  return undefined;
}

const describe = (c: FuzzCase) => {
  const body =
    c.body === undefined ? "" : typeof c.body === "string" ? c.body : `bytes ${Buffer.from(c.body).toString("hex")}`;
  return `${c.method} ${c.path.slice(0, 300)} ${body.slice(0, 300)}`;
};

/** A request still unanswered after this long is left parked (a long-poll) and answered at the end by closeLongPolls. */
const PARK_AFTER_MS = 3_000;

export interface FuzzRun {
  requests: number;
  findings: Finding[];
}

/**
 * Sends `casesPerOperation` broken requests to every operation (or until `deadline`), and
 * re-creates the fuzzed user when a request logged it out, so that later requests keep a
 * valid token.
 */
export async function runFuzz(
  server: TestServer,
  document: OpenApi,
  options: { seed: number; casesPerOperation: number; deadline?: number; actors?: FuzzActors },
): Promise<FuzzRun> {
  const random = seededRandom(options.seed);
  const actors = options.actors ?? (await fuzzActors(server));
  const findings: Finding[] = [];
  const parked: Promise<void>[] = [];
  let requests = 0;
  const check = (c: FuzzCase, response: TestResponse) => {
    const problem = problemWith(response);
    if (problem) {
      const body = typeof response.body === "string" ? response.body : JSON.stringify(response.body);
      findings.push({
        kind: c.kind,
        operation: c.operation,
        request: describe(c),
        status: response.status,
        body: `${problem}: ${String(body).slice(0, 300)}`,
      });
    }
  };
  for (const operation of operationsOf(document)) {
    for (let i = 0; i < options.casesPerOperation; i++) {
      if (options.deadline !== undefined && Date.now() > options.deadline) break;
      const c = fuzzCase(operation, actors, random);
      requests++;
      const answer = server
        .request(c.method, c.path, { headers: c.headers, ...(c.body !== undefined ? { raw: c.body } : {}) })
        .then((r) => check(c, r));
      const settled = await Promise.race([answer.then(() => true), Bun.sleep(PARK_AFTER_MS).then(() => false)]);
      if (!settled) parked.push(answer);
    }
    await keepTokensValid(server, actors);
  }
  server.closeLongPolls();
  await Promise.all(parked);
  return { requests, findings };
}

export async function keepTokensValid(server: TestServer, actors: FuzzActors) {
  for (const key of ["user", "admin"] as const) {
    const whoami = await server.get("/_matrix/client/v3/account/whoami", { token: actors[key].access_token });
    if (whoami.status === 200) continue;
    actors[key] = withNewDevice(server, actors[key], actors.devicesMade++);
  }
}

function withNewDevice(server: TestServer, user: TestUser, index: number): TestUser {
  const deviceId = `FUZZ${index}`;
  server.stores.devices.insertDevice(user.user_id, deviceId, null, Date.now());
  return {
    user_id: user.user_id,
    device_id: deviceId,
    access_token: server.services.sessions.issueAccessToken(user.user_id, deviceId),
  };
}

/** The seed: BUNDUIT_FUZZ_SEED when set, else `fallback`. */
export function fuzzSeed(fallback: number, env: Record<string, string | undefined> = process.env): number {
  const fromEnv = env.BUNDUIT_FUZZ_SEED;
  if (fromEnv === undefined || fromEnv === "") return fallback;
  const seed = Number(fromEnv);
  if (!Number.isInteger(seed) || seed < 0)
    throw new Error(`BUNDUIT_FUZZ_SEED must be a non-negative integer, not ${fromEnv}`);
  return seed;
}
