/**
 * https://spec.matrix.org/v1.19/client-server-api/#user-directory
 */
import { Elysia, t } from "elysia";
import type { Services } from "../../core/services.ts";
import { auth } from "../plugins/auth.ts";
import { CLIENT_V3 } from "../schemas/common.ts";

export const userDirectoryRoutes = (services: Pick<Services, "sessions" | "userDirectory">) =>
  new Elysia()
    .use(auth(services))
    .post(
      `${CLIENT_V3}/user_directory/search`,
      ({ requester, body }) => services.userDirectory.search(requester, body.search_term, body.limit),
      {
        auth: "user",
        body: t.Object({ search_term: t.String(), limit: t.Optional(t.Integer()) }),
        response: t.Object({
          results: t.Array(
            t.Object({ user_id: t.String(), display_name: t.Optional(t.String()), avatar_url: t.Optional(t.String()) }),
          ),
          limited: t.Boolean(),
        }),
        detail: {
          summary: "POST /_matrix/client/v3/user_directory/search",
          description:
            "Searches local users by user id and display name, case-insensitively, among those who share a room with the requester or are joined to a room anyone may join (`public` join rule) or read (`world_readable` history).",
          tags: ["User directory"],
        },
      },
    );
