/**
 * The auth macro: a route declares `auth: "user"` (guests refused) or `auth: "guest"`
 * (guests allowed) and its handler receives `requester`; `optionalAuth: true` gives
 * `requester` or undefined.
 * `auth: "appservice"` admits only application services (their as_token).
 * Each option also writes its level into the route's `detail` as `x-auth`, so that the
 * OpenAPI document (api/openapi.ts) says which operations need a token without a second
 * declaration that could drift.
 * Tokens come from `Authorization: Bearer` or the `access_token` query parameter. An
 * as_token may carry `user_id` and `device_id` query parameters to act as one of the
 * appservice's users (core/appservices/identity-assertion.ts).
 * https://spec.matrix.org/v1.19/client-server-api/#client-authentication
 */
import { Elysia, type DocumentDecoration } from "elysia";
import { MatrixError } from "../../errors.ts";
import type { Services } from "../../core/services.ts";
import type { ClientIp } from "../../core/users/sessions.ts";
import type { Requester } from "../../core/requester.ts";
import { clientAddress } from "./client-address.ts";

export function accessTokenOf(request: Request): string | undefined {
  const header = request.headers.get("authorization");
  if (header) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new MatrixError("M_MISSING_TOKEN", "The Authorization header must use the Bearer scheme");
    return match[1];
  }
  const query = request.url.indexOf("?");
  if (query === -1) return undefined;
  return new URLSearchParams(request.url.slice(query + 1)).get("access_token") ?? undefined;
}

function queryOf(request: Request): URLSearchParams {
  const query = request.url.indexOf("?");
  return new URLSearchParams(query === -1 ? "" : request.url.slice(query + 1));
}

function authenticate(services: Pick<Services, "sessions">, request: Request, ip: ClientIp): Requester | undefined {
  const token = accessTokenOf(request);
  return token === undefined ? undefined : services.sessions.authenticate(token, ip, queryOf(request));
}

/** The auth level as the route's OpenAPI `detail` carries it; `x-` fields are OpenAPI's extensions, which Elysia's type leaves out. */
const authDetail = (level: "user" | "guest" | "appservice" | "optional") => ({ "x-auth": level }) as DocumentDecoration;

export const auth = (services: Pick<Services, "sessions">) =>
  new Elysia({ name: "auth" }).macro({
    auth: (level: "user" | "guest" | "appservice") => ({
      detail: authDetail(level),
      resolve({ request, server }) {
        // The address is looked up only when the device's last-seen data needs it.
        const requester = authenticate(services, request, () =>
          clientAddress(request, server, services.sessions.ipSource),
        );
        if (!requester) throw new MatrixError("M_MISSING_TOKEN", "Missing access token");
        if (level === "appservice" && requester.appservice_id === undefined) {
          throw new MatrixError("M_FORBIDDEN", "Only an application service's as_token may use this endpoint");
        }
        if (requester.is_guest && level === "user") {
          throw new MatrixError("M_GUEST_ACCESS_FORBIDDEN", "Guest accounts cannot use this endpoint");
        }
        return { requester };
      },
    }),
    optionalAuth: {
      detail: authDetail("optional"),
      resolve({ request, server }) {
        return {
          requester: authenticate(services, request, () => clientAddress(request, server, services.sessions.ipSource)),
        };
      },
    },
  });
