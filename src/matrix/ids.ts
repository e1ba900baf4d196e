/**
 * Identifier grammars.
 * https://spec.matrix.org/v1.19/appendices/#identifier-grammar
 */

/** Localparts of new accounts: https://spec.matrix.org/v1.19/appendices/#user-identifiers */
const NEW_LOCALPART = /^[a-z0-9._=\-/+]+$/;
/** Historical user ids are more permissive: any printable ASCII but ':'. */
const HISTORICAL_LOCALPART = /^[\x21-\x39\x3b-\x7e]+$/;
/** A server name: a DNS name, IPv4 address or bracketed IPv6 literal, with an optional port. */
const SERVER_NAME = /^(\[[0-9A-Fa-f:.]{2,45}\]|[A-Za-z0-9.-]{1,255})(:\d{1,5})?$/;

export const MAX_ID_BYTES = 255;

const byteLength = (text: string) => Buffer.byteLength(text, "utf8");

export function isValidNewLocalpart(localpart: string): boolean {
  return NEW_LOCALPART.test(localpart);
}

export function isValidServerName(name: string): boolean {
  return SERVER_NAME.test(name);
}

/** Splits `@localpart:server`; undefined when it is not a user id (historical grammar accepted). */
export function parseUserId(userId: string): { localpart: string; serverName: string } | undefined {
  if (!userId.startsWith("@") || byteLength(userId) > MAX_ID_BYTES) return undefined;
  const colon = userId.indexOf(":");
  if (colon < 2) return undefined;
  const localpart = userId.slice(1, colon);
  const serverName = userId.slice(colon + 1);
  if (!HISTORICAL_LOCALPART.test(localpart) || !isValidServerName(serverName)) return undefined;
  return { localpart, serverName };
}

/**
 * Room ids are opaque `!…` strings: before room version 12 `!opaque:server`, from v12
 * `!` plus the create event's reference hash, with no server part.
 * https://spec.matrix.org/v1.19/appendices/#room-ids
 */
export function isValidRoomId(roomId: string): boolean {
  return /^![\x21-\x7e]+$/.test(roomId) && byteLength(roomId) <= MAX_ID_BYTES;
}
