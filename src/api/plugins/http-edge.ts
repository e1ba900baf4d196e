/**
 * What every request goes through before its route: CORS (browsers run Element Web and
 * Element Call on other origins), OPTIONS preflight for every path, the request size
 * limit, and a JSON body parser that, like Conduit, does not insist on a Content-Type.
 * https://spec.matrix.org/v1.19/client-server-api/#web-browser-clients
 */
import { Elysia } from "elysia";
import { MatrixError } from "../../errors.ts";
import type { Logger } from "../../logger.ts";
import { matrixErrorResponse } from "./matrix-errors.ts";

export const CORS_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "GET, POST, PUT, DELETE, OPTIONS",
  "Access-Control-Allow-Headers": "X-Requested-With, Content-Type, Authorization",
  "Access-Control-Expose-Headers": "Retry-After, Content-Disposition, X-Request-Id",
});

/**
 * Content types whose bodies are parsed as JSON; media uploads and the like read the raw body.
 * LiveKit's application/webhook+json is left raw: its signature covers the exact bytes.
 */
function isJsonLike(contentType: string | null): boolean {
  if (!contentType) return true;
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  if (type === "application/webhook+json") return false;
  return type === "application/json" || type === "text/plain" || type === "application/x-www-form-urlencoded" || type.endsWith("+json");
}

export const httpEdge = (maxRequestSize: number, logger: Logger) =>
  new Elysia({ name: "http-edge" })
    .onRequest(({ request, set }) => {
      Object.assign(set.headers, CORS_HEADERS);
      if (request.method === "OPTIONS") return new Response(null, { status: 204, headers: CORS_HEADERS });
      const length = Number(request.headers.get("content-length") ?? 0);
      if (length > maxRequestSize) {
        return matrixErrorResponse(new MatrixError("M_TOO_LARGE", `Request body is larger than ${maxRequestSize} bytes`), CORS_HEADERS);
      }
      if (logger.enabled("debug")) logger.debug("request", { method: request.method, url: new URL(request.url).pathname });
    })
    .onParse({ as: "global" }, async ({ request, contentType }) => {
      if (!isJsonLike(contentType)) return;
      const text = await request.text();
      if (text.length > maxRequestSize) throw new MatrixError("M_TOO_LARGE", `Request body is larger than ${maxRequestSize} bytes`);
      if (text.trim() === "") return {};
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new MatrixError("M_NOT_JSON", "Request body is not valid JSON");
      }
    })
    .onAfterHandle({ as: "global" }, ({ set }) => {
      Object.assign(set.headers, CORS_HEADERS);
    });
