/**
 * The API documentation, generated from the routes' own declarations so that it cannot
 * drift from what is validated: the typebox schemas give parameters and bodies, the auth
 * macro (which writes `x-auth` into `detail`) gives `security`, and the error responses
 * follow from both. GET /_bunduit/openapi.json and a readable page beside it at
 * GET /_bunduit/api. tests/api/openapi-lint.test.ts lints it; tests/api/fuzz.test.ts
 * generates hostile requests from it.
 */
import { Elysia } from "elysia";
import type { TSchema } from "@sinclair/typebox";
import { renderApiPage } from "./openapi-page.ts";

/** What the auth macro declares: a token is required (and of which kind), optional, or not read. */
export type AuthLevel = "user" | "guest" | "appservice" | "optional";

interface RouteDetail {
  summary?: string;
  description?: string;
  tags?: string[];
  hide?: boolean;
  "x-auth"?: AuthLevel;
}

interface RouteInfo {
  method: string;
  path: string;
  hooks?: {
    body?: TSchema;
    query?: TSchema;
    params?: TSchema;
    response?: TSchema | Record<number, TSchema>;
    detail?: RouteDetail;
  };
}

/** The spec's own names for the two ways a token is sent (its data/api/client-server/definitions/security.yaml). */
const SECURITY_SCHEMES = {
  accessTokenBearer: {
    type: "http",
    scheme: "bearer",
    description: "The access token (or an application service's as_token) in `Authorization: Bearer`.",
  },
  accessTokenQuery: {
    type: "apiKey",
    in: "query",
    name: "access_token",
    description: "Deprecated by the spec, still accepted: the same token as the `access_token` query parameter.",
  },
};
const TOKEN_REQUIREMENTS = Object.keys(SECURITY_SCHEMES).map((scheme) => ({ [scheme]: [] as string[] }));

/**
 * `/rooms/:roomId/state/:eventType/*` → `/rooms/{roomId}/state/{eventType}/{stateKey}`. The
 * wildcard takes its name from the spec path the route's summary names (`GET /…/{stateKey}`).
 */
export function openApiPath(path: string, summary?: string): string {
  const templated = path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
  if (!templated.endsWith("*")) return templated;
  return templated.replace(/\*$/, `{${wildcardName(summary)}}`);
}

function wildcardName(summary: string | undefined): string {
  return /\{([A-Za-z0-9_]+)\}$/.exec(summary ?? "")?.[1] ?? "path";
}

/** `PUT /_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}` → `putClientV3RoomsByRoomIdSendByEventTypeByTxnId`. */
export function operationId(method: string, path: string): string {
  const words = path
    .split("/")
    .filter((segment) => segment !== "" && segment !== "_matrix")
    .flatMap((segment) => {
      const param = /^\{(.+)\}$/.exec(segment);
      return param ? ["by", param[1]!] : segment.split(/[^A-Za-z0-9]+/);
    })
    .filter((word) => word !== "");
  return [method.toLowerCase(), ...words.map((word) => word[0]!.toUpperCase() + word.slice(1))].join("");
}

function parameters(schema: TSchema | undefined, location: "path" | "query") {
  const properties = (schema?.properties ?? {}) as Record<string, TSchema>;
  const required = new Set<string>((schema?.required as string[] | undefined) ?? []);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: location,
    required: location === "path" || required.has(name),
    schema: property,
    ...(property.description ? { description: property.description } : {}),
  }));
}

const wildcardParameter = (name: string) => ({
  name,
  in: "path",
  required: true,
  // Elysia matches the rest of the path here, so it may contain `/` and may be empty.
  description: "The rest of the path: may contain `/` (percent-encoded or not).",
  schema: { type: "string" },
});

/** The Matrix error responses, as components; each operation refers to those it can answer. */
const ERROR_RESPONSES = {
  400: [
    "BadRequest",
    "The request is malformed: M_BAD_JSON, M_NOT_JSON, M_MISSING_PARAM, M_INVALID_PARAM or an endpoint's own errcode.",
  ],
  401: ["Unauthorized", "The access token is missing (M_MISSING_TOKEN) or not known (M_UNKNOWN_TOKEN)."],
  403: [
    "Forbidden",
    "The requester may not do this: M_FORBIDDEN, M_GUEST_ACCESS_FORBIDDEN or an endpoint's own errcode.",
  ],
  404: ["NotFound", "The thing named in the path does not exist or is not visible: M_NOT_FOUND."],
  413: ["TooLarge", "The request body is larger than the server accepts: M_TOO_LARGE."],
  429: ["RateLimited", "Too many requests: M_LIMIT_EXCEEDED with retry_after_ms."],
} as const;
type ErrorStatus = keyof typeof ERROR_RESPONSES;

const DEFAULT_ERROR =
  "Any other Matrix error, e.g. 429 M_LIMIT_EXCEEDED when rate-limited, or 500 M_UNKNOWN with a request id.";

function errorComponents() {
  const schema = { $ref: "#/components/schemas/MatrixError" };
  const responses: Record<string, unknown> = {
    Error: { description: DEFAULT_ERROR, content: { "application/json": { schema } } },
  };
  for (const [name, description] of Object.values(ERROR_RESPONSES))
    responses[name] = { description, content: { "application/json": { schema } } };
  responses.UserInteractiveAuth = {
    description:
      "More authentication is needed: the user-interactive auth state (with errcode and error when a stage just failed), or M_MISSING_TOKEN / M_UNKNOWN_TOKEN.",
    content: {
      "application/json": { schema: { anyOf: [{ $ref: "#/components/schemas/AuthenticationResponse" }, schema] } },
    },
  };
  return {
    schemas: {
      AuthenticationResponse: {
        type: "object",
        description: "https://spec.matrix.org/v1.19/client-server-api/#user-interactive-api-in-the-rest-api",
        required: ["flows"],
        properties: {
          flows: {
            type: "array",
            items: {
              type: "object",
              required: ["stages"],
              properties: { stages: { type: "array", items: { type: "string" } } },
            },
          },
          params: { type: "object", additionalProperties: true },
          session: { type: "string" },
          completed: { type: "array", items: { type: "string" } },
          errcode: { type: "string" },
          error: { type: "string" },
        },
        additionalProperties: true,
      },
      MatrixError: {
        type: "object",
        description: "https://spec.matrix.org/v1.19/client-server-api/#standard-error-response",
        required: ["errcode", "error"],
        properties: {
          errcode: { type: "string", description: "An error code, e.g. M_FORBIDDEN.", examples: ["M_FORBIDDEN"] },
          error: { type: "string", description: "A human-readable error message." },
        },
        additionalProperties: true,
      },
    },
    responses,
  };
}

/** The routes behind user-interactive auth say so in their description; their 401 is the auth state. */
const isInteractive = (route: RouteInfo) => /user-interactive auth/i.test(route.hooks?.detail?.description ?? "");

/**
 * Which errors an operation can answer, from what it declares: validation (400) when it takes
 * input, the token (401) and its kind (403) from its auth level, lookups (404) from path
 * parameters, the body limit (413); and any status its description names.
 */
function errorStatuses(route: RouteInfo, path: string): ErrorStatus[] {
  const hooks = route.hooks ?? {};
  const auth = hooks.detail?.["x-auth"];
  const mentioned = (status: number) => new RegExp(`\\b${status}\\b`).test(hooks.detail?.description ?? "");
  const statuses = new Set<ErrorStatus>();
  if (hooks.body || hooks.query || hooks.params || path.includes("{") || mentioned(400)) statuses.add(400);
  if (auth || isInteractive(route)) statuses.add(401);
  if (auth === "user" || auth === "appservice" || mentioned(403)) statuses.add(403);
  if (path.includes("{") || mentioned(404)) statuses.add(404);
  if (hooks.body) statuses.add(413);
  if (mentioned(429)) statuses.add(429);
  return [...statuses];
}

/** An operation needing a token lists the token schemes; an optional one also the empty requirement; others none. */
function security(auth: AuthLevel | undefined) {
  if (!auth) return [];
  return auth === "optional" ? [{}, ...TOKEN_REQUIREMENTS] : TOKEN_REQUIREMENTS;
}

const AUTH_NOTE: Record<AuthLevel, string> = {
  user: "Needs a user's access token (guests are refused).",
  guest: "Needs an access token; guests are allowed.",
  appservice: "Needs an application service's as_token.",
  optional: "An access token is optional.",
};

function successResponses(response: TSchema | Record<number, TSchema> | undefined) {
  const content = (schema: TSchema) => ({ content: { "application/json": { schema } } });
  if (
    response &&
    typeof response === "object" &&
    !("type" in response) &&
    !("anyOf" in response) &&
    !("$ref" in response)
  ) {
    return Object.fromEntries(
      Object.entries(response as Record<number, TSchema>).map(([status, schema]) => [
        status,
        { description: schema.description ?? "Success", ...content(schema) },
      ]),
    );
  }
  return { 200: { description: "Success", ...(response ? content(response as TSchema) : {}) } };
}

export function buildOpenApiDocument(routes: readonly RouteInfo[], version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  const operationIds = new Set<string>();
  for (const route of routes) {
    const hooks = route.hooks ?? {};
    if (hooks.detail?.hide || route.method === "OPTIONS" || route.method === "ALL") continue;
    const path = openApiPath(route.path, hooks.detail?.summary);
    const auth = hooks.detail?.["x-auth"];
    const id = operationId(route.method, path);
    if (operationIds.has(id)) throw new Error(`Two routes give the same operationId ${id}`);
    operationIds.add(id);
    const interactive = isInteractive(route);
    const errors = Object.fromEntries(
      errorStatuses(route, path).map((status) => [
        status,
        {
          $ref: `#/components/responses/${status === 401 && interactive ? "UserInteractiveAuth" : ERROR_RESPONSES[status][0]}`,
        },
      ]),
    );
    const description = [hooks.detail?.description, auth ? AUTH_NOTE[auth] : "No access token is needed."]
      .filter(Boolean)
      .join("\n\n");
    (paths[path] ??= {})[route.method.toLowerCase()] = {
      operationId: id,
      summary: hooks.detail?.summary ?? `${route.method} ${path}`,
      description,
      tags: hooks.detail?.tags ?? ["Other"],
      parameters: [
        ...parameters(hooks.params, "path"),
        ...(route.path.endsWith("*") ? [wildcardParameter(wildcardName(hooks.detail?.summary))] : []),
        ...parameters(hooks.query, "query"),
      ],
      ...(hooks.body
        ? { requestBody: { required: true, content: { "application/json": { schema: hooks.body } } } }
        : {}),
      responses: { ...successResponses(hooks.response), ...errors, default: { $ref: "#/components/responses/Error" } },
      security: security(auth),
      ...(auth ? { "x-auth": auth } : {}),
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "bunduit",
      version,
      description: "The HTTP API of this bunduit homeserver, generated from its route schemas.",
      license: { name: "Apache-2.0", identifier: "Apache-2.0" },
    },
    // Relative: the API is served by the same server as this document.
    servers: [{ url: "/" }],
    components: { securitySchemes: SECURITY_SCHEMES, ...errorComponents() },
    paths,
  };
}

export type OpenApiDocument = ReturnType<typeof buildOpenApiDocument>;

export const openApiRoutes = (routes: () => readonly RouteInfo[], version: string) => {
  let document: OpenApiDocument | undefined;
  const build = () => (document ??= buildOpenApiDocument(routes(), version));
  return new Elysia()
    .get("/_bunduit/openapi.json", () => build(), { detail: { hide: true } })
    .get(
      "/_bunduit/api",
      () => new Response(renderApiPage(build()), { headers: { "Content-Type": "text/html; charset=utf-8" } }),
      {
        detail: { hide: true },
      },
    );
};
