/**
 * Login, logout and token refresh (the legacy authentication API).
 * https://spec.matrix.org/v1.19/client-server-api/#legacy-login
 */
import { Elysia, t } from "elysia";
import type { Services } from "../../core/services.ts";
import { accessTokenOf, auth } from "../plugins/auth.ts";
import { clientAddress } from "../plugins/client-address.ts";
import { CLIENT_V3, Empty } from "../schemas/common.ts";

const tags = ["Session management"];

const Tokens = {
  access_token: t.String(),
  refresh_token: t.Optional(t.String()),
  expires_in_ms: t.Optional(t.Integer()),
};

export const loginRoutes = (services: Pick<Services, "login" | "sessions">) =>
  new Elysia()
    .use(auth(services))
    .get(`${CLIENT_V3}/login`, () => services.login.flows(), {
      response: t.Object({ flows: t.Array(t.Object({ type: t.String() })) }),
      detail: {
        summary: "GET /_matrix/client/v3/login",
        description: "The login types offered: m.login.password and m.login.application_service.",
        tags,
      },
    })
    .post(
      `${CLIENT_V3}/login`,
      ({ body, request, server }) =>
        services.login.login(body, clientAddress(request, server, services.sessions.ipSource), accessTokenOf(request)),
      {
        body: t.Object({
          type: t.String(),
          identifier: t.Optional(t.Object({ type: t.String() }, { additionalProperties: t.Unknown() })),
          user: t.Optional(t.String()),
          medium: t.Optional(t.String()),
          address: t.Optional(t.String()),
          password: t.Optional(t.String()),
          token: t.Optional(t.String()),
          device_id: t.Optional(t.String()),
          initial_device_display_name: t.Optional(t.String()),
          refresh_token: t.Optional(t.Boolean()),
        }),
        response: t.Object({
          user_id: t.String(),
          device_id: t.String(),
          home_server: t.String(),
          ...Tokens,
          well_known: t.Optional(
            t.Object({ "m.homeserver": t.Object({ base_url: t.String() }) }, { additionalProperties: t.Unknown() }),
          ),
        }),
        detail: {
          summary: "POST /_matrix/client/v3/login",
          description:
            "m.login.password with an m.id.user identifier (full or local user id) or the legacy `user` field. A known device_id is " +
            "reused and its old tokens revoked. refresh_token: true gets an expiring access token and a refresh token. Failures are " +
            "403 M_FORBIDDEN whether or not the user exists; rate-limited per IP and per account. Users in an appservice's exclusive " +
            "namespace get 400 M_EXCLUSIVE. m.login.application_service with the appservice's as_token logs in as a user of its " +
            "namespaces without a password.",
          tags,
        },
      },
    )
    .post(
      `${CLIENT_V3}/logout`,
      ({ requester }) => {
        services.login.logout(requester);
        return {};
      },
      {
        auth: "guest",
        response: Empty,
        detail: {
          summary: "POST /_matrix/client/v3/logout",
          description: "Deletes the requesting device and its tokens.",
          tags,
        },
      },
    )
    .post(
      `${CLIENT_V3}/logout/all`,
      ({ requester }) => {
        services.login.logoutAll(requester);
        return {};
      },
      {
        auth: "guest",
        response: Empty,
        detail: {
          summary: "POST /_matrix/client/v3/logout/all",
          description: "Deletes every device of the user, and all their tokens.",
          tags,
        },
      },
    )
    .post(`${CLIENT_V3}/refresh`, ({ body }) => services.sessions.refresh(body.refresh_token), {
      body: t.Object({ refresh_token: t.String() }),
      response: t.Object(Tokens),
      detail: {
        summary: "POST /_matrix/client/v3/refresh",
        description:
          "A new access token and refresh token for the same device. The old refresh token stays valid until the new tokens are " +
          "used; unknown or spent refresh tokens get 401 M_UNKNOWN_TOKEN.",
        tags,
      },
    });
