/**
 * The API documentation, generated from the routes' own typebox schemas so that it cannot
 * drift from what is validated: GET /_bunduit/openapi.json and a readable page beside it
 * at GET /_bunduit/api.
 */
import { Elysia } from "elysia";
import type { TSchema } from "@sinclair/typebox";

interface RouteInfo {
  method: string;
  path: string;
  hooks?: {
    body?: TSchema;
    query?: TSchema;
    params?: TSchema;
    response?: TSchema | Record<number, TSchema>;
    detail?: { summary?: string; description?: string; tags?: string[]; hide?: boolean };
    auth?: unknown;
    optionalAuth?: unknown;
  };
}

/** `/rooms/:roomId/state/:eventType/*` → `/rooms/{roomId}/state/{eventType}/{path}` */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, "{$1}").replace(/\*$/, "{path}");
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

export function buildOpenApiDocument(routes: readonly RouteInfo[], version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const hooks = route.hooks ?? {};
    if (hooks.detail?.hide || route.method === "OPTIONS" || route.method === "ALL") continue;
    const path = openApiPath(route.path);
    const response = hooks.response;
    const responses =
      response && typeof response === "object" && !("type" in response) && !("anyOf" in response)
        ? Object.fromEntries(Object.entries(response).map(([status, schema]) => [status, { description: "", content: { "application/json": { schema } } }]))
        : { 200: { description: "Success", ...(response ? { content: { "application/json": { schema: response } } } : {}) } };
    (paths[path] ??= {})[route.method.toLowerCase()] = {
      summary: hooks.detail?.summary ?? `${route.method} ${path}`,
      ...(hooks.detail?.description ? { description: hooks.detail.description } : {}),
      ...(hooks.detail?.tags ? { tags: hooks.detail.tags } : {}),
      parameters: [...parameters(hooks.params, "path"), ...parameters(hooks.query, "query")],
      ...(hooks.body ? { requestBody: { content: { "application/json": { schema: hooks.body } } } } : {}),
      responses,
      ...(hooks.auth || hooks.optionalAuth ? { security: [{ accessToken: [] }] } : {}),
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: "bunduit", version, description: "The HTTP API of this bunduit homeserver, generated from its route schemas." },
    components: { securitySchemes: { accessToken: { type: "http", scheme: "bearer" } } },
    paths,
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A self-contained page (no scripts, no external assets) listing every documented route. */
export function renderApiPage(document: ReturnType<typeof buildOpenApiDocument>): string {
  const rows = Object.entries(document.paths)
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => {
        const op = operation as { description?: string; security?: unknown };
        return `<tr><td><code>${method.toUpperCase()}</code></td><td><code>${escapeHtml(path)}</code></td><td>${op.security ? "token" : ""}</td><td>${escapeHtml(op.description ?? "")}</td></tr>`;
      }),
    );
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bunduit API</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:80rem}td{padding:.25rem .5rem;vertical-align:top;border-bottom:1px solid #ddd}code{white-space:nowrap}</style></head>
<body><h1>bunduit API</h1><p>Version ${escapeHtml(document.info.version)}. Machine-readable: <a href="openapi.json">openapi.json</a>.</p>
<table><thead><tr><th>Method</th><th>Path</th><th>Auth</th><th>Description</th></tr></thead><tbody>${rows.join("")}</tbody></table></body></html>`;
}

export const openApiRoutes = (routes: () => readonly RouteInfo[], version: string) => {
  let document: ReturnType<typeof buildOpenApiDocument> | undefined;
  const build = () => (document ??= buildOpenApiDocument(routes(), version));
  return new Elysia()
    .get("/_bunduit/openapi.json", () => build(), { detail: { hide: true } })
    .get("/_bunduit/api", () => new Response(renderApiPage(build()), { headers: { "Content-Type": "text/html; charset=utf-8" } }), {
      detail: { hide: true },
    });
};
