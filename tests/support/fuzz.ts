/**
 * A fuzzer generated from the server's own OpenAPI document (GET /_bunduit/openapi.json):
 * for every operation, requests broken in one way each (wrong types, missing fields, huge and
 * deeply nested values, invalid UTF-8, hostile path and query parameters, numbers out of
 * range), sent with a valid token. A finding is a 5xx or an error that is not a Matrix error
 * body. Seeded: the same seed sends the same requests. tests/api/fuzz.test.ts runs a bounded
 * number in the suite; bench/fuzz.ts runs for as long as asked.
 */
import { createUser, type TestUser } from "./fixtures.ts";
import {
  BROKEN_BODIES,
  EDGE_NUMBERS,
  HOSTILE_STRINGS,
  exampleOf,
  HOSTILE_NUMBERS,
  HOSTILE_QUERY_VALUES,
  HOSTILE_SEGMENTS,
  nested,
  propertyPaths,
  RawJson,
  seededRandom,
  serialize,
  setPath,
  WRONG_TYPES,
  type JsonSchema,
  type Random,
} from "./fuzz-values.ts";
import type { TestResponse, TestServer } from "./server.ts";
import { registerAppservice } from "./fake-appservice.ts";

interface Parameter {
  name: string;
  in: "path" | "query";
  required: boolean;
  schema: JsonSchema;
}
interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  body?: JsonSchema;
  auth?: string;
}
interface OpenApi {
  paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: JsonSchema }> }; "x-auth"?: string }>>;
}

export function operationsOf(document: OpenApi): Operation[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      parameters: op.parameters ?? [],
      body: op.requestBody?.content["application/json"]?.schema,
      auth: op["x-auth"],
    })),
  );
}

export interface FuzzCase {
  kind: string;
  method: string;
  path: string;
  operation: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

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
  const admin = withNewDevice(server, { user_id: adminId, device_id: "", access_token: "" });
  const appservice = registerAppservice(server, { url: null });
  const room = await server.post("/_matrix/client/v3/createRoom", { preset: "public_chat", room_alias_name: "fuzz" }, { token: admin.access_token });
  const roomId = room.body.room_id as string;
  await server.post(`/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, {}, { token: user.access_token });
  const sent = await server.put(`/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/fuzz0`, { msgtype: "m.text", body: "hi" }, { token: user.access_token });
  return { admin, user, appservice, roomId, eventId: sent.body.event_id as string };
}
export type FuzzActors = Awaited<ReturnType<typeof fuzzActors>>;

/** Real values for the names the spec uses, so that the unbroken parts of a request are valid. */
function namedValues(actors: FuzzActors, user: TestUser) {
  const values: Record<string, unknown> = {
    roomId: actors.roomId,
    room_id: actors.roomId,
    roomIdOrAlias: actors.roomId,
    roomAlias: "#fuzz:test.local",
    userId: user.user_id,
    user_id: user.user_id,
    eventId: actors.eventId,
    event_id: actors.eventId,
    deviceId: user.device_id,
    device_id: user.device_id,
    eventType: "m.room.message",
    type: "m.fuzz",
    stateKey: "",
    keyName: "displayname",
    txnId: "fuzz",
    receiptType: "m.read",
    relType: "m.thread",
    serverName: "test.local",
    appserviceId: actors.appservice.id,
    kind: "override",
    scope: "global",
    ruleId: "fuzz",
    attr: "actions",
    tag: "u.fuzz",
    version: "1",
    protocol: "irc",
    action: "send",
  };
  return (name: string) => values[name];
}

function pathFor(operation: Operation, params: Record<string, string>): string {
  return operation.path.replace(/\{([^}]+)\}/g, (_, name: string) => params[name] ?? "fuzz");
}

/** One request for `operation`, broken in one way chosen by `random`. */
export function fuzzCase(operation: Operation, actors: FuzzActors, random: Random): FuzzCase {
  const token =
    operation.auth === "appservice" ? actors.appservice.as_token : random.chance(0.25) ? actors.admin.access_token : actors.user.access_token;
  const actor = token === actors.admin.access_token ? actors.admin : actors.user;
  const named = namedValues(actors, actor);
  const pathParams = operation.parameters.filter((p) => p.in === "path");
  const queryParams = operation.parameters.filter((p) => p.in === "query");
  const params: Record<string, string> = {};
  for (const p of pathParams) params[p.name] = encodeURIComponent(String(named(p.name) ?? exampleOf(p.schema, named, p.name)));
  const query = new URLSearchParams();
  for (const p of queryParams) if (p.required || random.chance(0.3)) query.set(p.name, String(named(p.name) ?? exampleOf(p.schema, named, p.name)));
  let body: unknown = operation.body ? exampleOf(operation.body, named) : undefined;
  let rawBody: string | Uint8Array | undefined;
  const headers: Record<string, string> = { Authorization: `Bearer ${token}` };

  const kinds = [
    ...(pathParams.length ? ["path"] : []),
    ...(queryParams.length ? ["query", "query-number", "query-repeat"] : []),
    "query-junk",
    "auth-header",
    ...(operation.body
      ? ["body-broken", "body-top-type", "body-missing", "body-field-type", "body-field-string", "body-number", "body-number-edge", "body-huge", "body-deep", "body-extra", "body-proto", "body-content-type"]
      : ["body-unexpected"]),
  ];
  const kind = random.pick(kinds);
  const fields = propertyPaths(operation.body);
  const field = fields.length ? random.pick(fields) : ["fuzz"];
  switch (kind) {
    case "path": {
      const p = random.pick(pathParams);
      params[p.name] = random.pick(HOSTILE_SEGMENTS).raw;
      break;
    }
    case "query":
      query.set(random.pick(queryParams).name, random.pick(HOSTILE_QUERY_VALUES));
      break;
    case "query-number":
      query.set(random.pick(queryParams).name, random.pick(HOSTILE_NUMBERS).text);
      break;
    case "query-repeat": {
      const name = random.pick(queryParams).name;
      query.append(name, random.pick(HOSTILE_QUERY_VALUES));
      query.append(name, "1");
      break;
    }
    case "auth-header":
      headers.Authorization = random.pick(["Bearer", "Bearer ", "Basic Zm9vOmJhcg==", `Bearer ${token} extra`, `bearer\t${token}`, "Bearer \u00e9", `Bearer ${"t".repeat(10_000)}`, ""]);
      if (random.chance(0.5)) query.set("access_token", random.pick(["", token, "x".repeat(5_000)]));
      break;
    case "query-junk":
      query.append(random.pick(["access_token", "user_id", "device_id", "limit", "from", "dir", "\u0000", "x".repeat(2_000)]), random.pick(HOSTILE_QUERY_VALUES));
      // An as_token reads user_id and device_id to act as one of its users.
      if (random.chance(0.3)) headers.Authorization = `Bearer ${actors.appservice.as_token}`;
      break;
    case "body-broken":
      rawBody = random.pick(BROKEN_BODIES);
      break;
    case "body-top-type":
      body = random.pick(WRONG_TYPES);
      break;
    case "body-missing":
      body = {};
      break;
    case "body-field-type":
      body = setPath(body, field, random.pick(WRONG_TYPES));
      break;
    case "body-field-string":
      body = setPath(body, field, random.pick(HOSTILE_STRINGS));
      break;
    case "body-number-edge":
      body = setPath(body, field, random.pick(EDGE_NUMBERS));
      break;
    case "body-number":
      body = setPath(body, field, random.pick(HOSTILE_NUMBERS));
      break;
    case "body-huge":
      body = random.chance(0.5)
        ? setPath(body, field, "x".repeat(random.pick([70_000, 1_000_000])))
        : setPath(body, field, Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i])));
      break;
    case "body-deep":
      body = setPath(body, field, nested(random.pick([64, 512, 10_000]), random.pick(["array", "object"] as const)));
      break;
    case "body-extra":
      body = { ...(body as object), "": new RawJson('"\\ud800"'), "\u0000": 1, ["k".repeat(5_000)]: [null] };
      break;
    case "body-proto":
      if (random.chance(0.5)) {
        body = setPath(body, field, new RawJson('{"__proto__":{"a":1},"constructor":{"prototype":{"b":2}},"hasOwnProperty":"x","toString":[]}'));
        break;
      }
      rawBody = serialize(body).replace(/^\{/, random.pick(['{"__proto__":{"admin":true},', '{"constructor":{"prototype":{"x":1}},', '{"toString":1,"hasOwnProperty":null,']));
      if (rawBody.endsWith(",}")) rawBody = rawBody.replace(/,\}$/, "}");
      break;
    case "body-content-type":
      headers["Content-Type"] = random.pick(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=latin1"]);
      break;
    case "body-unexpected":
      rawBody = random.pick(['{"a":1}', "garbage", ...BROKEN_BODIES.slice(0, 2)]);
      break;
  }
  if (rawBody === undefined && body !== undefined) rawBody = serialize(body);
  if (rawBody !== undefined) headers["Content-Type"] ??= "application/json";
  const search = query.toString();
  return {
    kind,
    method: operation.method,
    path: pathFor(operation, params) + (search ? `?${search}` : ""),
    operation: `${operation.method} ${operation.path}`,
    headers,
    body: rawBody,
  };
}

/** What is wrong with an answer, or undefined when it is fine. */
export function problemWith(response: TestResponse): string | undefined {
  if (response.status >= 500) return "5xx";
  if (response.status < 400) return undefined;
  const body = response.body as Record<string, unknown> | undefined;
  if (!body || typeof body !== "object" || Array.isArray(body)) return "error body is not a JSON object";
  // The 401 of user-interactive auth is the auth state; errcode appears only after a failed stage.
  if (response.status === 401 && Array.isArray(body.flows) && body.errcode === undefined) return undefined;
  if (typeof body.errcode !== "string" || typeof body.error !== "string") return "error body lacks string errcode and error";
  return undefined;
}

const describe = (c: FuzzCase) => {
  const body = c.body === undefined ? "" : typeof c.body === "string" ? c.body : `bytes ${Buffer.from(c.body).toString("hex")}`;
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
      findings.push({ kind: c.kind, operation: c.operation, request: describe(c), status: response.status, body: `${problem}: ${String(body).slice(0, 300)}` });
    }
  };
  for (const operation of operationsOf(document)) {
    for (let i = 0; i < options.casesPerOperation; i++) {
      if (options.deadline !== undefined && Date.now() > options.deadline) break;
      const c = fuzzCase(operation, actors, random);
      requests++;
      const answer = server.request(c.method, c.path, { headers: c.headers, ...(c.body !== undefined ? { raw: c.body } : {}) }).then((r) => check(c, r));
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
    actors[key] = withNewDevice(server, actors[key]);
  }
}

let devices = 0;
function withNewDevice(server: TestServer, user: TestUser): TestUser {
  const deviceId = `FUZZ${++devices}`;
  server.stores.devices.insertDevice(user.user_id, deviceId, null, Date.now());
  return { user_id: user.user_id, device_id: deviceId, access_token: server.services.sessions.issueAccessToken(user.user_id, deviceId) };
}

/** The seed: BUNDUIT_FUZZ_SEED when set, else `fallback`. */
export function fuzzSeed(fallback: number, env: Record<string, string | undefined> = process.env): number {
  const fromEnv = env.BUNDUIT_FUZZ_SEED;
  if (fromEnv === undefined || fromEnv === "") return fallback;
  const seed = Number(fromEnv);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`BUNDUIT_FUZZ_SEED must be a non-negative integer, not ${fromEnv}`);
  return seed;
}
