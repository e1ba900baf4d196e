/**
 * OpenID: tokens that let a third party (Element Call's LiveKit authorization service)
 * confirm who a user is.
 * https://spec.matrix.org/v1.19/client-server-api/#openid
 */
import { Elysia, t } from "elysia";
import type { Services } from "../../core/services.ts";
import { auth } from "../plugins/auth.ts";

const OpenIdToken = t.Object({
  access_token: t.String({
    description: "Present it to the third party; it resolves at /_matrix/federation/v1/openid/userinfo.",
  }),
  token_type: t.Literal("Bearer"),
  matrix_server_name: t.String({ description: "This server's name, where the third party checks the token." }),
  expires_in: t.Integer({ description: "Seconds until the token expires." }),
});

// r0 as well as v3: Synapse serves both, and older clients still use r0.
const requestTokenRoute = (path: string) => ({
  auth: "user" as const,
  params: t.Object({ userId: t.String({ description: "The requesting user; tokens are only issued for oneself." }) }),
  body: t.Object({}, { additionalProperties: t.Unknown(), description: "An empty object." }),
  response: OpenIdToken,
  detail: {
    summary: `POST ${path}`,
    description:
      "An OpenID token for the requesting user, valid for one hour. 403 M_FORBIDDEN for anyone else's user id.",
    tags: ["OpenID"],
  },
});

export const openIdRoutes = (services: Pick<Services, "sessions" | "openId">) =>
  new Elysia()
    .use(auth(services))
    .post(
      "/_matrix/client/v3/user/:userId/openid/request_token",
      ({ requester, params }) => services.openId.requestOpenIdToken(requester, params.userId),
      requestTokenRoute("/_matrix/client/v3/user/{userId}/openid/request_token"),
    )
    .post(
      "/_matrix/client/r0/user/:userId/openid/request_token",
      ({ requester, params }) => services.openId.requestOpenIdToken(requester, params.userId),
      requestTokenRoute("/_matrix/client/r0/user/{userId}/openid/request_token"),
    );
