/**
 * Asking another homeserver whom an OpenID token belongs to, as a third party would:
 * `GET https://<server>/_matrix/federation/v1/openid/userinfo?access_token=…`. The LiveKit
 * authorization service uses it for users of other servers. bunduit does not federate yet,
 * so this is best effort: server discovery is the spec's without SRV records (an IP literal
 * or explicit port as is; otherwise /.well-known/matrix/server delegation; otherwise port 8448).
 * https://spec.matrix.org/v1.19/server-server-api/#openid
 * https://spec.matrix.org/v1.19/server-server-api/#resolving-server-names
 */
import { isValidServerName, isValidUserId, parseServerName, parseUserId } from "../../matrix/ids.ts";

/** Each request (discovery, then userinfo) gets this long; a slow server only slows its own users. */
export const FEDERATION_REQUEST_TIMEOUT_MS = 5000;
const DEFAULT_FEDERATION_PORT = 8448;

export class OpenIdLookupError extends Error {
  override name = "OpenIdLookupError";
}

/** The https base URL at which `serverName` answers federation requests. */
export async function federationBaseUrl(serverName: string): Promise<string> {
  const { host, port } = parseServerName(serverName);
  if (port !== undefined) return `https://${serverName}`;
  if (isIpLiteral(host)) return `https://${host}:${DEFAULT_FEDERATION_PORT}`;
  const delegated = await wellKnownServer(host);
  if (delegated === undefined) return `https://${host}:${DEFAULT_FEDERATION_PORT}`;
  const target = parseServerName(delegated);
  return target.port !== undefined ? `https://${delegated}` : `https://${target.host}:${DEFAULT_FEDERATION_PORT}`;
}

/**
 * The user id behind `token` according to `serverName`. The answer is trusted only for that
 * server's own users: a `sub` on another server is refused (as gomatrixserverlib does).
 */
export async function lookupOpenIdUserInfo(serverName: string, token: string): Promise<string> {
  const url = `${await federationBaseUrl(serverName)}/_matrix/federation/v1/openid/userinfo?access_token=${encodeURIComponent(token)}`;
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(FEDERATION_REQUEST_TIMEOUT_MS), redirect: "error" });
  } catch (error) {
    throw new OpenIdLookupError(`${serverName} unreachable: ${error instanceof Error ? error.message : String(error)}`);
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) throw new OpenIdLookupError(`${serverName} answered HTTP ${response.status}`);
  const sub = typeof body === "object" && body !== null ? (body as { sub?: unknown }).sub : undefined;
  if (typeof sub !== "string" || !isValidUserId(sub))
    throw new OpenIdLookupError(`${serverName} answered no valid sub`);
  if (parseUserId(sub).serverName !== serverName)
    throw new OpenIdLookupError(`${serverName} vouched for ${sub}, a user of another server`);
  return sub;
}

async function wellKnownServer(host: string): Promise<string | undefined> {
  try {
    const response = await fetch(`https://${host}/.well-known/matrix/server`, {
      signal: AbortSignal.timeout(FEDERATION_REQUEST_TIMEOUT_MS),
    });
    if (!response.ok) return undefined;
    const server: unknown = ((await response.json()) as { "m.server"?: unknown })["m.server"];
    return typeof server === "string" && isValidServerName(server) ? server : undefined;
  } catch {
    return undefined;
  }
}

function isIpLiteral(host: string): boolean {
  return host.startsWith("[") || /^\d{1,3}(\.\d{1,3}){3}$/.test(host);
}
