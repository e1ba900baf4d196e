/**
 * Room tags, kept as the room's m.tag account data.
 * https://spec.matrix.org/v1.19/client-server-api/#room-tagging
 */
import { Elysia, t } from "elysia";
import type { Services } from "../../core/services.ts";
import { auth } from "../plugins/auth.ts";
import { CLIENT_V3, Empty, JsonObject, UserIdParam } from "../schemas/common.ts";

const tags = ["User data"];
const TagParams = t.Object({ userId: UserIdParam, roomId: t.String(), tag: t.String() });

export const tagRoutes = (services: Pick<Services, "sessions" | "accountData">) =>
  new Elysia()
    .use(auth(services))
    .get(
      `${CLIENT_V3}/user/:userId/rooms/:roomId/tags`,
      ({ requester, params }) => services.accountData.getTags(requester, params.userId, params.roomId),
      {
        auth: "user",
        params: t.Object({ userId: UserIdParam, roomId: t.String() }),
        response: t.Object({ tags: t.Record(t.String(), JsonObject) }),
        detail: {
          summary: "GET /_matrix/client/v3/user/{userId}/rooms/{roomId}/tags",
          description: "The user's tags on a room.",
          tags,
        },
      },
    )
    .put(
      `${CLIENT_V3}/user/:userId/rooms/:roomId/tags/:tag`,
      ({ requester, params, body }) => {
        services.accountData.setTag(requester, params.userId, params.roomId, params.tag, body);
        return {};
      },
      {
        auth: "user",
        params: TagParams,
        body: t.Object(
          { order: t.Optional(t.Number({ description: "Position under the tag, in [0, 1]." })) },
          { additionalProperties: t.Unknown() },
        ),
        response: Empty,
        detail: {
          summary: "PUT /_matrix/client/v3/user/{userId}/rooms/{roomId}/tags/{tag}",
          description: "Adds or updates a tag on a room.",
          tags,
        },
      },
    )
    .delete(
      `${CLIENT_V3}/user/:userId/rooms/:roomId/tags/:tag`,
      ({ requester, params }) => {
        services.accountData.deleteTag(requester, params.userId, params.roomId, params.tag);
        return {};
      },
      {
        auth: "user",
        params: TagParams,
        response: Empty,
        detail: {
          summary: "DELETE /_matrix/client/v3/user/{userId}/rooms/{roomId}/tags/{tag}",
          description: "Removes a tag from a room (no error if absent).",
          tags,
        },
      },
    );
