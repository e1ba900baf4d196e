/**
 * What every request goes through before its route: CORS (browsers run Element Web and
 * Element Call on other origins), OPTIONS preflight for every path, the request size
 * limit, and a JSON body parser that, like Conduit, does not insist on a Content-Type,
 * refuses bodies nested deeper than MAX_JSON_DEPTH before parsing them, and numbers that
 * parse to Infinity.
 * https://spec.matrix.org/v1.19/client-server-api/#web-browser-clients
 */
import { Elysia } from "elysia";
import { MatrixError } from "../../errors.ts";
import { MAX_JSON_DEPTH } from "../../matrix/canonical-json.ts";
import type { Logger } from "../../logger.ts";
import { loggablePath, matrixErrorResponse } from "./matrix-errors.ts";

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
  return (
    type === "application/json" ||
    type === "text/plain" ||
    type === "application/x-www-form-urlencoded" ||
    type.endsWith("+json")
  );
}

/** Uploads: their paths are left unparsed (the route streams the body) and limited by their own size. */
export interface UploadLimits {
  isUploadPath: (path: string) => boolean;
  maxUploadSize: number;
}

function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  const query = url.indexOf("?", start);
  return start === -1 ? "/" : url.slice(start, query === -1 ? undefined : query);
}

/**
 * The body as text. With a Content-Length (checked in onRequest) it is read at once; a
 * chunked body is read chunk by chunk and refused as soon as it passes the limit, since
 * Bun's own limit is the (larger) upload size.
 */
async function readBoundedText(request: Request, limit: number): Promise<string> {
  if (request.headers.has("content-length") || !request.body) return request.text();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request.body) {
    size += chunk.byteLength;
    if (size > limit) throw new MatrixError("M_TOO_LARGE", `Request body is larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/**
 * Whether the JSON text opens more than `limit` arrays and objects inside each other, in
 * one pass over the text, skipping strings. Run before JSON.parse so that neither the parser
 * nor anything after it (typebox, canonical JSON, Elysia's validation messages, which print
 * the body indented by depth) ever meets a deep value. Malformed text is left to JSON.parse.
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      for (i++; i < text.length; i++) {
        const s = text.charCodeAt(i);
        if (s === BACKSLASH) i++;
        else if (s === QUOTE) break;
      }
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    }
  }
  return false;
}

/** Text that might hold a number beyond a double's range: an exponent of three digits, or 309 digits. */
const MAY_OVERFLOW = /\d[eE]\+?\d{3}|\d{309}/;

/**
 * Whether a parsed body holds ±Infinity: what JSON.parse makes of `1e400`. No API means it,
 * and JSON.stringify would store it as null. Iterative; the body is at most MAX_JSON_DEPTH deep.
 */
function holdsInfinity(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === "number") {
      if (!Number.isFinite(next)) return true;
    } else if (typeof next === "object" && next !== null) {
      for (const item of Array.isArray(next) ? next : Object.values(next)) pending.push(item);
    }
  }
  return false;
}

export const httpEdge = (maxRequestSize: number, logger: Logger, uploads?: UploadLimits) =>
  new Elysia({ name: "http-edge" })
    .onRequest(({ request, set }) => {
      Object.assign(set.headers, CORS_HEADERS);
      if (request.method === "OPTIONS") return new Response(null, { status: 204, headers: CORS_HEADERS });
      const length = Number(request.headers.get("content-length") ?? 0);
      if (length > maxRequestSize || (uploads && length > uploads.maxUploadSize)) {
        const limit = uploads?.isUploadPath(pathOf(request.url)) ? uploads.maxUploadSize : maxRequestSize;
        if (length > limit)
          return matrixErrorResponse(
            new MatrixError("M_TOO_LARGE", `Request body is larger than ${limit} bytes`),
            CORS_HEADERS,
          );
      }
      if (logger.enabled("debug"))
        logger.debug("request", { method: request.method, url: loggablePath(new URL(request.url).pathname) });
    })
    .onParse({ as: "global" }, async ({ request, contentType, path }) => {
      if (!isJsonLike(contentType) || uploads?.isUploadPath(path)) return;
      const text = await readBoundedText(request, maxRequestSize);
      if (text.length > maxRequestSize)
        throw new MatrixError("M_TOO_LARGE", `Request body is larger than ${maxRequestSize} bytes`);
      if (text.trim() === "") return {};
      if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
        throw new MatrixError(
          "M_BAD_JSON",
          `Request body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep`,
        );
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new MatrixError("M_NOT_JSON", "Request body is not valid JSON");
      }
      if (MAY_OVERFLOW.test(text) && holdsInfinity(body))
        throw new MatrixError("M_BAD_JSON", "Request body has a number out of range (beyond ±1.8e308)");
      // Every JSON body of the client-server API is an object. Checked here because Elysia's
      // normalizer would otherwise turn `[1]` into `{"0":1}` before validation sees it.
      if (typeof body !== "object" || body === null || Array.isArray(body))
        throw new MatrixError("M_NOT_JSON", "Request body must be a JSON object");
      return body;
    })
    .onAfterHandle({ as: "global" }, ({ set }) => {
      Object.assign(set.headers, CORS_HEADERS);
    });
