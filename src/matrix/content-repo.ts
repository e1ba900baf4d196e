/**
 * The content repository's protocol rules, without I/O: what a media id and a server name
 * may look like, which content types may be served inline, and how Content-Disposition
 * carries a file name.
 * https://spec.matrix.org/v1.19/client-server-api/#content-repository
 */

/**
 * Only `A-Za-z0-9_-`: an allow-list rather than a deny-list of `.` and `/`, so that no
 * encoding trick can turn an id into a path.
 * https://spec.matrix.org/v1.19/client-server-api/#content-repo-security-considerations
 */
export const MEDIA_ID_PATTERN = "^[A-Za-z0-9_-]{1,255}$";

/**
 * https://spec.matrix.org/v1.19/appendices/#server-name: a DNS name, IPv4 address or
 * [IPv6] literal, with an optional port. (Loose on purpose: it only guards our inputs.)
 */
export const SERVER_NAME_PATTERN = "^(\\[[0-9A-Fa-f:.]{2,45}\\]|[A-Za-z0-9.-]{1,255})(:[0-9]{1,5})?$";

const MEDIA_ID = new RegExp(MEDIA_ID_PATTERN);
const SERVER_NAME = new RegExp(SERVER_NAME_PATTERN);

export function isValidMediaId(mediaId: string): boolean {
  return MEDIA_ID.test(mediaId);
}

export function isValidServerName(name: string): boolean {
  const port = /\]?:([0-9]+)$/.exec(name)?.[1];
  return SERVER_NAME.test(name) && (port === undefined || Number(port) <= 65535);
}

export function mxcUri(serverName: string, mediaId: string): string {
  return `mxc://${serverName}/${mediaId}`;
}

export function parseMxcUri(uri: string): { serverName: string; mediaId: string } | undefined {
  const match = /^mxc:\/\/([^/]+)\/([^/]+)$/.exec(uri);
  if (!match || !isValidServerName(match[1]!) || !isValidMediaId(match[2]!)) return undefined;
  return { serverName: match[1]!, mediaId: match[2]! };
}

/**
 * Content types that cannot run script when a browser renders them, so they may be served
 * with `Content-Disposition: inline`; everything else is an attachment.
 * https://spec.matrix.org/v1.19/client-server-api/#serving-inline-content
 */
export const INLINE_CONTENT_TYPES: ReadonlySet<string> = new Set([
  "text/css",
  "text/plain",
  "text/csv",
  "application/json",
  "application/ld+json",
  "image/jpeg",
  "image/gif",
  "image/png",
  "image/apng",
  "image/webp",
  "image/avif",
  "video/mp4",
  "video/webm",
  "video/ogg",
  "video/quicktime",
  "audio/mp4",
  "audio/webm",
  "audio/aac",
  "audio/mpeg",
  "audio/ogg",
  "audio/wave",
  "audio/wav",
  "audio/x-wav",
  "audio/x-pn-wav",
  "audio/flac",
  "audio/x-flac",
]);

/** `Text/Plain; charset=utf-8` → `text/plain`. */
export function contentTypeEssence(contentType: string): string {
  return contentType.split(";")[0]!.trim().toLowerCase();
}

export function isInlineContentType(contentType: string): boolean {
  return INLINE_CONTENT_TYPES.has(contentTypeEssence(contentType));
}

/** The policy the spec recommends for media responses, plus `media-src 'self'` for video seeking. */
export const MEDIA_CONTENT_SECURITY_POLICY =
  "sandbox; default-src 'none'; script-src 'none'; plugin-types application/pdf; style-src 'unsafe-inline'; media-src 'self'; object-src 'self';";

/**
 * Characters never offered in a file name: C0 and C1 controls and DEL (a newline could end
 * the header in a careless client), and the invisible Unicode format characters (bidi
 * overrides make `evil\u202Egpj.exe` display as `evilexe.jpg`).
 */
const UNSAFE_FILENAME_CHARACTERS = /[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

/**
 * The client-chosen name (the uploader's, or the download path's) made safe to offer as a
 * file name: no control or invisible characters, and `/` and `\` replaced by `_`, so that
 * a client saving it where it says cannot be sent into another directory. Undefined when
 * nothing usable is left (empty, `.` or `..`).
 */
export function safeFileName(filename: string | null | undefined): string | undefined {
  if (!filename) return undefined;
  const safe = filename.replace(UNSAFE_FILENAME_CHARACTERS, "").replace(/[/\\]/g, "_").trim();
  return safe === "" || safe === "." || safe === ".." ? undefined : safe;
}

/**
 * `inline; filename="cat.png"` for plain ASCII names; other names use RFC 6266's
 * `filename*=utf-8''…` (RFC 8187 percent-encoding) so no byte of the name reaches the
 * header unescaped. The name is made safe first (safeFileName).
 */
export function contentDisposition(type: "inline" | "attachment", requested: string | null | undefined): string {
  const filename = safeFileName(requested);
  if (!filename) return type;
  if (/^[\x20-\x7e]*$/.test(filename) && !/["\\]/.test(filename)) return `${type}; filename="${filename}"`;
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${type}; filename*=utf-8''${encoded}`;
}
