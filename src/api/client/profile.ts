/**
 * Profiles: displayname, avatar_url, m.tz and custom fields.
 * https://spec.matrix.org/v1.19/client-server-api/#profiles
 */
import { Elysia, t } from "elysia";
import type { Services } from "../../core/services.ts";
import { auth } from "../plugins/auth.ts";
import { CLIENT_V3, Empty, JsonObject, UserIdParam } from "../schemas/common.ts";

const tags = ["User data"];

const KeyName = t.String({
  pattern: "^(avatar_url|displayname|m\\.tz|[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+)$",
  description: "avatar_url, displayname, m.tz or a namespaced custom field.",
});
const FieldParams = t.Object({ userId: UserIdParam, keyName: KeyName });

export const profileRoutes = (services: Pick<Services, "sessions" | "profiles">) =>
  new Elysia()
    .use(auth(services))
    .get(`${CLIENT_V3}/profile/:userId`, ({ params }) => services.profiles.getProfile(params.userId), {
      params: t.Object({ userId: UserIdParam }),
      response: JsonObject,
      detail: {
        summary: "GET /_matrix/client/v3/profile/{userId}",
        description:
          "Every profile field of a local user; 404 M_NOT_FOUND for unknown, deactivated or (until federation) remote users.",
        tags,
      },
    })
    .get(
      `${CLIENT_V3}/profile/:userId/:keyName`,
      ({ params }) => services.profiles.getField(params.userId, params.keyName),
      {
        params: FieldParams,
        response: JsonObject,
        detail: {
          summary: "GET /_matrix/client/v3/profile/{userId}/{keyName}",
          description: "One profile field; 404 M_NOT_FOUND when unset.",
          tags,
        },
      },
    )
    .put(
      `${CLIENT_V3}/profile/:userId/:keyName`,
      ({ requester, params, body }) => {
        services.profiles.setField(requester, params.userId, params.keyName, body);
        return {};
      },
      {
        auth: "guest",
        params: FieldParams,
        body: JsonObject,
        response: Empty,
        detail: {
          summary: "PUT /_matrix/client/v3/profile/{userId}/{keyName}",
          description:
            "Sets one of the user's own profile fields (403 for other users; guests only displayname). An empty displayname or " +
            "avatar_url removes it. The whole profile is limited to 64 KiB.",
          tags,
        },
      },
    )
    .delete(
      `${CLIENT_V3}/profile/:userId/:keyName`,
      ({ requester, params }) => {
        services.profiles.deleteField(requester, params.userId, params.keyName);
        return {};
      },
      {
        auth: "guest",
        params: FieldParams,
        response: Empty,
        detail: {
          summary: "DELETE /_matrix/client/v3/profile/{userId}/{keyName}",
          description: "Removes one of the user's own profile fields.",
          tags,
        },
      },
    );
