/**
 * The little of the identifier grammar the auth rules need: the server name of an id and
 * whether a string is a user id. Deliberately minimal and private to event-auth, so it does
 * not compete with the full identifier module (`matrix/ids.ts`); switch to that once it exists.
 * https://spec.matrix.org/v1.19/appendices/#identifier-grammar
 */

// server_name = hostname [ ":" port ]; hostname = IPv4address / "[" IPv6address "]" / dns-name
const SERVER_NAME = /^(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3}|\[[0-9A-Fa-f:.]{2,45}\]|[A-Za-z0-9\-.]{1,255})(?::[0-9]{1,5})?$/;

const MAX_USER_ID_BYTES = 255;

/** The domain of `&localpart:domain` (user, room, v1–v2 event ids): everything after the first colon. */
export function domainOf(id: string): string | undefined {
  const colon = id.indexOf(":");
  return colon === -1 ? undefined : id.slice(colon + 1);
}

/**
 * A user id the auth rules accept. Servers must still accept historical user ids over
 * federation, so the localpart may be any code points except `:` and NUL, even empty
 * (https://spec.matrix.org/v1.19/appendices/#historical-user-ids); the domain must be a server name.
 */
export function isValidUserId(id: string): boolean {
  if (!id.startsWith("@") || Buffer.byteLength(id, "utf8") > MAX_USER_ID_BYTES) return false;
  const domain = domainOf(id);
  if (domain === undefined || !SERVER_NAME.test(domain)) return false;
  const localpart = id.slice(1, id.length - domain.length - 1);
  return !localpart.includes("\u0000") && localpart.isWellFormed();
}
