/**
 * Filters for /sync.
 * https://spec.matrix.org/v1.19/client-server-api/#filtering
 */
import { Elysia, t } from "elysia";
import type { Services } from "../../core/services.ts";
import { Filter } from "../../matrix/filter.ts";
import { auth } from "../plugins/auth.ts";
import { CLIENT_V3, UserIdParam } from "../schemas/common.ts";

const tags = ["Room participation"];

export const filterRoutes = (services: Pick<Services, "sessions" | "filters">) =>
  new Elysia()
    .use(auth(services))
    .post(
      `${CLIENT_V3}/user/:userId/filter`,
      ({ requester, params, body }) => services.filters.create(requester, params.userId, body),
      {
        auth: "user",
        params: t.Object({ userId: UserIdParam }),
        body: Filter,
        response: t.Object({ filter_id: t.String() }),
        detail: {
          summary: "POST /_matrix/client/v3/user/{userId}/filter",
          description:
            "Stores a filter validated against the spec's filter schema (M_BAD_JSON otherwise) and returns its id.",
          tags,
        },
      },
    )
    .get(
      `${CLIENT_V3}/user/:userId/filter/:filterId`,
      ({ requester, params }) => services.filters.get(requester, params.userId, params.filterId),
      {
        auth: "user",
        params: t.Object({ userId: UserIdParam, filterId: t.String() }),
        response: Filter,
        detail: {
          summary: "GET /_matrix/client/v3/user/{userId}/filter/{filterId}",
          description: "A filter the user uploaded; 404 M_NOT_FOUND if unknown.",
          tags,
        },
      },
    );
