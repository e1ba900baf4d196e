/**
 * The fuzzer's requests: for one operation of the OpenAPI document, a valid base (real ids,
 * a minimal body from the schema) broken in one way. tests/support/fuzz.ts sends them.
 */
import type { TestUser } from "./fixtures.ts";
import {
  BROKEN_BODIES,
  EDGE_NUMBERS,
  HOSTILE_NUMBERS,
  HOSTILE_QUERY_VALUES,
  HOSTILE_SEGMENTS,
  HOSTILE_STRINGS,
  exampleOf,
  nested,
  propertyPaths,
  RawJson,
  serialize,
  setPath,
  WRONG_TYPES,
  type JsonSchema,
  type Random,
} from "./fuzz-values.ts";
import type { FuzzActors } from "./fuzz.ts";

interface Parameter {
  name: string;
  in: "path" | "query";
  required: boolean;
  schema: JsonSchema;
}
export interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  body?: JsonSchema;
  auth?: string;
}
export interface OpenApi {
  paths: Record<
    string,
    Record<
      string,
      { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: JsonSchema }> }; "x-auth"?: string }
    >
  >;
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
    operation.auth === "appservice"
      ? actors.appservice.as_token
      : random.chance(0.25)
        ? actors.admin.access_token
        : actors.user.access_token;
  const actor = token === actors.admin.access_token ? actors.admin : actors.user;
  const named = namedValues(actors, actor);
  const pathParams = operation.parameters.filter((p) => p.in === "path");
  const queryParams = operation.parameters.filter((p) => p.in === "query");
  const params: Record<string, string> = {};
  for (const p of pathParams)
    params[p.name] = encodeURIComponent(String(named(p.name) ?? exampleOf(p.schema, named, p.name)));
  const query = new URLSearchParams();
  for (const p of queryParams)
    if (p.required || random.chance(0.3))
      query.set(p.name, String(named(p.name) ?? exampleOf(p.schema, named, p.name)));
  let body: unknown = operation.body ? exampleOf(operation.body, named) : undefined;
  let rawBody: string | Uint8Array | undefined;
  const headers: Record<string, string> = { Authorization: `Bearer ${token}` };

  const kinds = [
    ...(pathParams.length ? ["path"] : []),
    ...(queryParams.length ? ["query", "query-number", "query-repeat"] : []),
    "query-junk",
    "auth-header",
    ...(operation.body
      ? [
          "body-broken",
          "body-top-type",
          "body-missing",
          "body-field-type",
          "body-field-string",
          "body-number",
          "body-number-edge",
          "body-huge",
          "body-deep",
          "body-extra",
          "body-proto",
          "body-content-type",
        ]
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
      headers.Authorization = random.pick([
        "Bearer",
        "Bearer ",
        "Basic Zm9vOmJhcg==",
        `Bearer ${token} extra`,
        `bearer\t${token}`,
        "Bearer \u00e9",
        `Bearer ${"t".repeat(10_000)}`,
        "",
      ]);
      if (random.chance(0.5)) query.set("access_token", random.pick(["", token, "x".repeat(5_000)]));
      break;
    case "query-junk":
      query.append(
        random.pick(["access_token", "user_id", "device_id", "limit", "from", "dir", "\u0000", "x".repeat(2_000)]),
        random.pick(HOSTILE_QUERY_VALUES),
      );
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
        body = setPath(
          body,
          field,
          new RawJson('{"__proto__":{"a":1},"constructor":{"prototype":{"b":2}},"hasOwnProperty":"x","toString":[]}'),
        );
        break;
      }
      rawBody = serialize(body).replace(
        /^\{/,
        random.pick([
          '{"__proto__":{"admin":true},',
          '{"constructor":{"prototype":{"x":1}},',
          '{"toString":1,"hasOwnProperty":null,',
        ]),
      );
      if (rawBody.endsWith(",}")) rawBody = rawBody.replace(/,\}$/, "}");
      break;
    case "body-content-type":
      headers["Content-Type"] = random.pick([
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json; charset=latin1",
      ]);
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
