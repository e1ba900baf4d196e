/**
 * Account registration.
 * https://spec.matrix.org/v1.19/client-server-api/#account-registration
 */
import { Elysia, t } from "elysia";
import type { Services } from "../../core/services.ts";
import { accessTokenOf } from "../plugins/auth.ts";
import { clientAddress } from "../plugins/client-address.ts";
import { AuthData, CLIENT_V3 } from "../schemas/common.ts";

const tags = ["Account management"];

export const registerRoutes = (services: Pick<Services, "registration" | "sessions">) =>
  new Elysia()
    .post(
      `${CLIENT_V3}/register`,
      ({ query, body, request, server }) =>
        services.registration.register(
          query.kind ?? "user",
          body,
          clientAddress(request, server, services.sessions.ipSource),
          accessTokenOf(request),
        ),
      {
        query: t.Object({ kind: t.Optional(t.Union([t.Literal("user"), t.Literal("guest")])) }),
        body: t.Object({
          type: t.Optional(
            t.String({
              description: "m.login.application_service: an application service registers a user of its namespaces.",
            }),
          ),
          auth: t.Optional(AuthData),
          guest_access_token: t.Optional(t.String()),
          username: t.Optional(t.String()),
          password: t.Optional(t.String()),
          device_id: t.Optional(t.String()),
          initial_device_display_name: t.Optional(t.String()),
          inhibit_login: t.Optional(t.Boolean()),
          refresh_token: t.Optional(t.Boolean()),
        }),
        response: t.Object({
          user_id: t.String(),
          home_server: t.String(),
          access_token: t.Optional(t.String()),
          refresh_token: t.Optional(t.String()),
          expires_in_ms: t.Optional(t.Integer()),
          device_id: t.Optional(t.String()),
        }),
        detail: {
          summary: "POST /_matrix/client/v3/register",
          description:
            "Registers an account through user-interactive auth: m.login.registration_token when registration_token is set, " +
            "else m.login.dummy; 403 when allow_registration is false. kind=guest registers a guest (allow_guest_registration) without UIA. " +
            "Username problems (M_INVALID_USERNAME, M_USER_IN_USE, M_EXCLUSIVE inside an appservice's exclusive namespace) are reported " +
            "before auth starts. type m.login.application_service with an as_token registers a user of the appservice's namespaces " +
            "without auth or rate limit (401 without a valid as_token, 400 M_EXCLUSIVE outside its namespaces). With guest_access_token " +
            "(and username set to the guest's localpart) the guest becomes a full user through the same flows, keeping its id and rooms.",
          tags,
        },
      },
    )
    .get(`${CLIENT_V3}/register/available`, ({ query }) => services.registration.available(query.username), {
      query: t.Object({ username: t.String() }),
      response: t.Object({ available: t.Boolean() }),
      detail: {
        summary: "GET /_matrix/client/v3/register/available",
        description:
          "Whether a username is valid and free now (400 M_INVALID_USERNAME, M_USER_IN_USE or M_EXCLUSIVE otherwise).",
        tags,
      },
    })
    .get(
      "/_matrix/client/v1/register/m.login.registration_token/validity",
      ({ query, request, server }) =>
        services.registration.tokenValidity(query.token, clientAddress(request, server, services.sessions.ipSource)),
      {
        query: t.Object({ token: t.String() }),
        response: t.Object({ valid: t.Boolean() }),
        detail: {
          summary: "GET /_matrix/client/v1/register/m.login.registration_token/validity",
          description:
            "Whether a registration token would be accepted now; 403 when registration is closed. Rate-limited like registration.",
          tags,
        },
      },
    );
