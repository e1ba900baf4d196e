/**
 * Identifier grammars: server names, user IDs, room IDs, room aliases and event IDs.
 * https://spec.matrix.org/v1.19/appendices/#identifier-grammar
 *
 * Each grammar has one internal `…Problem(text)` check that returns what is wrong (or
 * undefined), so the boolean `isValid…` forms cost no exception and the `parse…` forms
 * throw an `IdentifierError` whose message names the exact fault.
 */
import type { RoomVersion } from "./room-versions.ts";

export type IdentifierKind = "server name" | "user ID" | "localpart" | "room ID" | "room alias" | "event ID";

export class IdentifierError extends Error {
  override readonly name = "IdentifierError";
  constructor(
    readonly kind: IdentifierKind,
    readonly input: string,
    /** What is wrong, without the identifier itself: fit for an API error message. */
    readonly reason: string,
  ) {
    super(`invalid ${kind} ${JSON.stringify(input.length > 80 ? `${input.slice(0, 80)}…` : input)}: ${reason}`);
  }
}

/** User IDs, room IDs, aliases and event IDs, sigil and domain included. */
export const MAX_IDENTIFIER_BYTES = 255;

export interface ServerName {
  host: string;
  port: number | undefined;
}

export interface UserId {
  localpart: string;
  serverName: string;
}

export interface RoomAlias {
  localpart: string;
  serverName: string;
}

/** Room and event IDs: `serverName` is undefined for the hash forms (v3+ event IDs, v12 room IDs). */
export interface OpaqueId {
  opaqueId: string;
  serverName: string | undefined;
}

// ---------------------------------------------------------------- server names

/**
 * `server_name = hostname [ ":" port ]`, hostname being an IPv4 literal, a bracketed IPv6
 * literal, or a DNS name of 1–255 `[A-Za-z0-9.-]`. Only that grammar is a MUST; the label
 * structure of DNS names is a SHOULD, so "a..b" passes rather than split the federation.
 * Server names are case-sensitive: nothing is lowercased.
 */
function splitServerName(name: string): { host: string; portText: string | undefined } | string {
  if (name === "") return "the server name is empty";
  let host: string;
  let portText: string | undefined;
  if (name.startsWith("[")) {
    const close = name.indexOf("]");
    if (close === -1) return `the IPv6 literal in server name "${name}" has no closing "]"`;
    const address = name.slice(1, close);
    if (!isIpv6Address(address)) return `"${address}" in server name "${name}" is not an IPv6 address (RFC 3513 §2.2)`;
    host = name.slice(0, close + 1);
    const rest = name.slice(close + 1);
    if (rest !== "" && !rest.startsWith(":"))
      return `unexpected "${rest}" after the IPv6 literal in server name "${name}"`;
    portText = rest === "" ? undefined : rest.slice(1);
  } else {
    const colon = name.indexOf(":");
    host = colon === -1 ? name : name.slice(0, colon);
    portText = colon === -1 ? undefined : name.slice(colon + 1);
    if (host === "") return `server name "${name}" has an empty hostname`;
    if (/^[0-9]{1,3}(\.[0-9]{1,3}){3}$/.test(host)) {
      if (!isIpv4Address(host)) return `"${host}" in server name "${name}" has an IPv4 part above 255`;
    } else {
      if (host.length > 255) return `the hostname of server name "${name.slice(0, 40)}…" is longer than 255 characters`;
      const bad = host.match(/[^A-Za-z0-9.-]/u);
      if (bad) return `server name "${name}" contains "${bad[0]}"; a DNS name allows only A-Z, a-z, 0-9, "-" and "."`;
    }
  }
  if (portText !== undefined && !/^[0-9]{1,5}$/.test(portText)) {
    return `the port "${portText}" of server name "${name}" is not 1 to 5 digits`;
  }
  return { host, portText };
}

function serverNameProblem(name: string): string | undefined {
  const parts = splitServerName(name);
  return typeof parts === "string" ? parts : undefined;
}

function isIpv4Address(text: string): boolean {
  const parts = text.split(".");
  return parts.length === 4 && parts.every((part) => /^[0-9]{1,3}$/.test(part) && Number(part) <= 255);
}

/** RFC 3513 §2.2: eight 16-bit groups, one optional "::", optionally ending in a dotted IPv4. */
function isIpv6Address(text: string): boolean {
  if (!/^[0-9A-Fa-f:.]{2,45}$/.test(text)) return false;
  const compression = text.indexOf("::");
  if (compression !== -1 && text.includes("::", compression + 1)) return false;
  const groupsOf = (part: string) => (part === "" ? [] : part.split(":"));
  const groups =
    compression === -1
      ? groupsOf(text)
      : [...groupsOf(text.slice(0, compression)), ...groupsOf(text.slice(compression + 2))];
  let sixteenBitUnits = 0;
  for (const [index, group] of groups.entries()) {
    // A dotted IPv4 may only form the final 32 bits, so not before a trailing "::".
    if (index === groups.length - 1 && group.includes(".") && text.endsWith(group)) {
      if (!isIpv4Address(group)) return false;
      sixteenBitUnits += 2;
    } else if (/^[0-9A-Fa-f]{1,4}$/.test(group)) {
      sixteenBitUnits += 1;
    } else {
      return false;
    }
  }
  return compression === -1 ? sixteenBitUnits === 8 : sixteenBitUnits <= 7;
}

export function isValidServerName(name: string): boolean {
  return serverNameProblem(name) === undefined;
}

export function parseServerName(name: string): ServerName {
  const parts = splitServerName(name);
  if (typeof parts === "string") throw new IdentifierError("server name", name, parts);
  return { host: parts.host, port: parts.portText === undefined ? undefined : Number(parts.portText) };
}

// ---------------------------------------------------------------- the common `&localpart:domain` shape

interface SigilParts {
  localpart: string;
  serverName: string | undefined;
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/** Checks sigil and length, then splits at the first ":" (localparts cannot contain one; ports can). */
function splitIdentifier(text: string, sigil: string): SigilParts | string {
  if (!text.startsWith(sigil)) return `must start with "${sigil}"`;
  const bytes = byteLength(text);
  if (bytes > MAX_IDENTIFIER_BYTES) return `is ${bytes} bytes long; the limit is ${MAX_IDENTIFIER_BYTES}`;
  const colon = text.indexOf(":");
  if (colon === -1) return { localpart: text.slice(1), serverName: undefined };
  return { localpart: text.slice(1, colon), serverName: text.slice(colon + 1) };
}

/**
 * Historical localparts (user IDs, room ID localparts, aliases) may hold any non-surrogate
 * code point except ":" and NUL. JS strings can carry lone surrogates, which UTF-8 cannot.
 */
function opaqueLocalpartProblem(localpart: string): string | undefined {
  if (localpart.includes("\u0000")) return "the localpart contains NUL (U+0000)";
  if (!localpart.isWellFormed()) return "the localpart contains an unpaired surrogate";
  return undefined;
}

// ---------------------------------------------------------------- user IDs

function userIdProblem(id: string): string | undefined {
  const parts = splitIdentifier(id, "@");
  if (typeof parts === "string") return parts;
  if (parts.serverName === undefined) return 'has no ":" between the localpart and the server name';
  // An empty localpart is historical but must still be accepted over federation.
  return opaqueLocalpartProblem(parts.localpart) ?? serverNameProblem(parts.serverName);
}

/**
 * Parses a user ID, accepting the historical localparts the spec says servers MUST still
 * accept in events. Use `validateNewLocalpart` when allocating a new user.
 * https://spec.matrix.org/v1.19/appendices/#historical-user-ids
 */
export function parseUserId(id: string): UserId {
  const problem = userIdProblem(id);
  if (problem !== undefined) throw new IdentifierError("user ID", id, problem);
  const colon = id.indexOf(":");
  return { localpart: id.slice(1, colon), serverName: id.slice(colon + 1) };
}

export function isValidUserId(id: string): boolean {
  return userIdProblem(id) === undefined;
}

/** `parseUserId` for input that may well not be a user ID: undefined instead of an error. */
export function tryParseUserId(id: string): UserId | undefined {
  return isValidUserId(id) ? parseUserId(id) : undefined;
}

/** Localparts outside U+0021–U+007E, or empty, are "non-compliant": not to be forwarded to clients outside events. */
export function isCompliantLocalpart(localpart: string): boolean {
  return /^[\u0021-\u007E]+$/.test(localpart);
}

function newLocalpartProblem(localpart: string, serverName: string | undefined): string | undefined {
  if (localpart === "") return "the localpart is empty";
  const bad = localpart.match(/[^a-z0-9._=\-/+]/u);
  if (bad) return `the localpart contains "${bad[0]}"; only a-z, 0-9 and . _ = - / + are allowed`;
  if (serverName !== undefined) {
    const bytes = byteLength(`@${localpart}:${serverName}`);
    if (bytes > MAX_IDENTIFIER_BYTES)
      return `the user ID would be ${bytes} bytes long; the limit is ${MAX_IDENTIFIER_BYTES}`;
  }
  return undefined;
}

/** The grammar for newly registered users (v1.8+): `a-z 0-9 . _ = - / +`, and ≤255 bytes with the server name. */
export function isValidNewLocalpart(localpart: string, serverName?: string): boolean {
  return newLocalpartProblem(localpart, serverName) === undefined;
}

export function validateNewLocalpart(localpart: string, serverName?: string): void {
  const problem = newLocalpartProblem(localpart, serverName);
  if (problem !== undefined) throw new IdentifierError("localpart", localpart, problem);
}

// ---------------------------------------------------------------- room IDs and event IDs

/** sha256 is 32 bytes: 43 characters of unpadded base64. */
const STANDARD_BASE64_HASH = /^[A-Za-z0-9+/]{43}$/;
const URL_SAFE_BASE64_HASH = /^[A-Za-z0-9_-]{43}$/;

function withDomainProblem(parts: SigilParts & { serverName: string }): string | undefined {
  if (parts.localpart === "") return "the localpart is empty";
  return opaqueLocalpartProblem(parts.localpart) ?? serverNameProblem(parts.serverName);
}

/**
 * Room IDs are `!opaque:domain` up to room version 11 and, from v12, the create event's
 * event ID with "!" for "$": 43 characters of URL-safe unpadded base64 and no domain.
 * https://spec.matrix.org/v1.19/appendices/#room-ids
 */
function roomIdProblem(id: string, version: RoomVersion | undefined): string | undefined {
  const parts = splitIdentifier(id, "!");
  if (typeof parts === "string") return parts;
  if (parts.serverName === undefined) {
    if (version !== undefined && !version.roomIdFromCreateEvent)
      return `has no server name, which room version ${version.id} requires`;
    return URL_SAFE_BASE64_HASH.test(parts.localpart)
      ? undefined
      : "has no server name and is not 43 characters of URL-safe base64 (a create event hash)";
  }
  if (version?.roomIdFromCreateEvent) return `has a server name, which room version ${version.id} does not allow`;
  return withDomainProblem({ ...parts, serverName: parts.serverName });
}

/** Checks the grammar; with a room version, also that the ID has that version's form. */
export function isValidRoomId(id: string, version?: RoomVersion): boolean {
  return roomIdProblem(id, version) === undefined;
}

export function parseRoomId(id: string, version?: RoomVersion): OpaqueId {
  const problem = roomIdProblem(id, version);
  if (problem !== undefined) throw new IdentifierError("room ID", id, problem);
  return opaqueParts(id);
}

/**
 * Event IDs are `$opaque:domain` in room versions 1–2, then `$` + the reference hash in
 * unpadded base64: standard alphabet in v3, URL-safe from v4.
 * https://spec.matrix.org/v1.19/appendices/#event-ids
 */
function eventIdProblem(id: string, version: RoomVersion | undefined): string | undefined {
  const parts = splitIdentifier(id, "$");
  if (typeof parts === "string") return parts;
  const format = version?.eventIdFormat;
  if (parts.serverName !== undefined) {
    if (format !== undefined && format !== "v1")
      return `has a server name, which room version ${version?.id} does not allow`;
    return withDomainProblem({ ...parts, serverName: parts.serverName });
  }
  if (format === "v1") return `has no server name, which room version ${version?.id} requires`;
  const alphabet =
    format === "v3" ? STANDARD_BASE64_HASH : format === "v4" ? URL_SAFE_BASE64_HASH : /^[A-Za-z0-9+/_-]{43}$/;
  if (alphabet.test(parts.localpart)) return undefined;
  const encoding = format === "v3" ? "standard" : format === "v4" ? "URL-safe" : "";
  return `has no server name and is not 43 characters of ${encoding ? `${encoding} ` : ""}base64 (a reference hash)`;
}

/** Checks the grammar; with a room version, also that the ID has that version's form. */
export function isValidEventId(id: string, version?: RoomVersion): boolean {
  return eventIdProblem(id, version) === undefined;
}

export function parseEventId(id: string, version?: RoomVersion): OpaqueId {
  const problem = eventIdProblem(id, version);
  if (problem !== undefined) throw new IdentifierError("event ID", id, problem);
  return opaqueParts(id);
}

function opaqueParts(id: string): OpaqueId {
  const colon = id.indexOf(":");
  return colon === -1
    ? { opaqueId: id.slice(1), serverName: undefined }
    : { opaqueId: id.slice(1, colon), serverName: id.slice(colon + 1) };
}

// ---------------------------------------------------------------- room aliases

/** `#localpart:domain`; the localpart may be any non-surrogate code point except ":" and NUL. */
function roomAliasProblem(alias: string): string | undefined {
  const parts = splitIdentifier(alias, "#");
  if (typeof parts === "string") return parts;
  if (parts.serverName === undefined) return 'has no ":" between the alias and the server name';
  return withDomainProblem({ ...parts, serverName: parts.serverName });
}

export function isValidRoomAlias(alias: string): boolean {
  return roomAliasProblem(alias) === undefined;
}

export function parseRoomAlias(alias: string): RoomAlias {
  const problem = roomAliasProblem(alias);
  if (problem !== undefined) throw new IdentifierError("room alias", alias, problem);
  const colon = alias.indexOf(":");
  return { localpart: alias.slice(1, colon), serverName: alias.slice(colon + 1) };
}

// ---------------------------------------------------------------- any identifier

/**
 * The server name of a user ID, alias, or domain-form room/event ID: everything after the
 * first ":". Undefined for the hash forms. It does not validate; parse untrusted input first.
 */
export function serverNameOf(id: string): string | undefined {
  const colon = id.indexOf(":");
  return colon === -1 ? undefined : id.slice(colon + 1);
}

// ---------------------------------------------------------------- generating identifiers

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/**
 * A random alphanumeric string, the form the spec recommends for room ID localparts.
 * 18 characters give about 107 bits. Bytes ≥ 248 are skipped so each character is uniform.
 */
export function generateOpaqueId(length = 18): string {
  let id = "";
  while (id.length < length) {
    for (const byte of crypto.getRandomValues(new Uint8Array(length * 2))) {
      if (byte < 248 && id.length < length) id += ALPHANUMERIC[byte % ALPHANUMERIC.length];
    }
  }
  return id;
}

/** `!opaque:server`, for room versions whose room IDs carry a domain (1–11). */
export function generateRoomId(serverName: string): string {
  return `!${generateOpaqueId()}:${serverName}`;
}

/** `$opaque:server`, the event ID that room versions 1–2 choose at creation and store in the PDU. */
export function generateEventIdWithDomain(serverName: string): string {
  return `$${generateOpaqueId()}:${serverName}`;
}
