/**
 * The one federation endpoint served even with federation off: third parties (LiveKit
 * authorization services, ours and other servers') exchange a user's OpenID token here
 * for the user id. It is not signed with X-Matrix; the token is the authorization.
 * https://spec.matrix.org/v1.19/server-server-api/#openid
 */
import { Elysia, t } from "elysia";
import type { OpenId } from "../../core/users/openid.ts";

export const openIdUserInfoRoutes = (openId: OpenId) =>
  new Elysia().get("/_matrix/federation/v1/openid/userinfo", ({ query }) => openId.openIdUserInfo(query.access_token), {
    query: t.Object({
      access_token: t.String({ description: "The OpenID token from POST /user/{userId}/openid/request_token." }),
    }),
    response: t.Object({ sub: t.String({ description: "The user the token was issued to." }) }),
    detail: {
      summary: "GET /_matrix/federation/v1/openid/userinfo",
      description: "The user id behind an OpenID token. 401 M_UNKNOWN_TOKEN when the token is unknown or expired.",
      tags: ["OpenID"],
    },
  });
