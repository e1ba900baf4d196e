/**
 * How media is sent: straight from disk (Bun.file streams, so large files never sit in
 * memory), with single byte ranges for seeking, and with headers that keep an uploaded
 * HTML or SVG file from running script on this server's origin.
 * https://spec.matrix.org/v1.19/client-server-api/#serving-inline-content
 */
import { contentDisposition, isInlineContentType, MEDIA_CONTENT_SECURITY_POLICY } from "../../matrix/content-repo.ts";
import { CORS_HEADERS } from "../plugins/http-edge.ts";

export interface FileToSend {
  path: string;
  size: number;
  content_type: string;
  /** The name offered in Content-Disposition, if any. */
  filename: string | null;
  /** Thumbnails are always inline; downloads only when their type is safe to render. */
  disposition?: "inline" | "attachment";
}

function mediaHeaders(file: FileToSend): Record<string, string> {
  const disposition = file.disposition ?? (isInlineContentType(file.content_type) ? "inline" : "attachment");
  return {
    ...CORS_HEADERS,
    "Content-Type": file.content_type,
    "Content-Disposition": contentDisposition(disposition, file.filename),
    "Content-Security-Policy": MEDIA_CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Resource-Policy": "cross-origin",
    "Accept-Ranges": "bytes",
    // Content behind a media id never changes; it is per-user only because access needs a token.
    "Cache-Control": "private, max-age=31536000, immutable",
  };
}

/** `bytes=a-b`, `bytes=a-` or `bytes=-n` → [start, end] inclusive; null when unsatisfiable; undefined to send it all. */
export function parseRange(header: string | null, size: number): [number, number] | null | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  // Several ranges (or another unit) may be answered with the whole file (RFC 9110 §14.2).
  if (!match || (match[1] === "" && match[2] === "")) return undefined;
  if (match[1] === "") {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return null;
    return [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(match[1]);
  const end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) return null;
  return [start, end];
}

export function fileResponse(request: Request, file: FileToSend): Response {
  const headers = mediaHeaders(file);
  const range = parseRange(request.headers.get("range"), file.size);
  if (range === null) {
    return new Response(JSON.stringify({ errcode: "M_UNKNOWN", error: "Requested range not satisfiable" }), {
      status: 416,
      headers: { ...CORS_HEADERS, "Content-Type": "application/json", "Content-Range": `bytes */${file.size}` },
    });
  }
  const body = Bun.file(file.path);
  if (range === undefined) return new Response(body, { status: 200, headers });
  const [start, end] = range;
  return new Response(body.slice(start, end + 1), {
    status: 206,
    headers: { ...headers, "Content-Range": `bytes ${start}-${end}/${file.size}` },
  });
}
