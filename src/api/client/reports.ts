/**
 * Reporting content to the server's admins. https://spec.matrix.org/v1.19/client-server-api/#reporting-content
 */
import { Elysia, t } from "elysia";
import type { Services } from "../../core/services.ts";
import { auth } from "../plugins/auth.ts";
import { EventIdParam, UserIdField } from "../schemas/rooms.ts";
import { CLIENT_V3, Empty, RoomIdParam } from "../schemas/common.ts";

const tags = ["Reporting content"];
const ReasonBody = t.Object({ reason: t.String({ description: "Why; may be blank." }) });

export const reportRoutes = (services: Pick<Services, "sessions" | "reports">) =>
  new Elysia()
    .use(auth(services))
    .post(
      `${CLIENT_V3}/rooms/:roomId/report/:eventId`,
      ({ requester, params, body }) =>
        services.reports.event(requester, params.roomId, params.eventId, body).then(() => ({})),
      {
        auth: "user",
        params: t.Object({ roomId: RoomIdParam, eventId: EventIdParam }),
        body: t.Object({
          reason: t.Optional(t.String()),
          // The range of the spec versions that had it; a bound also keeps 1e308 out of an INTEGER column.
          score: t.Optional(
            t.Integer({
              minimum: -100,
              maximum: 0,
              description: "Removed in spec v1.18; kept when older clients send it: -100 (most offensive) to 0.",
            }),
          ),
        }),
        response: Empty,
        detail: {
          summary: "POST /_matrix/client/v3/rooms/{roomId}/report/{eventId}",
          description:
            "Reports an event to the server's admins. 404 M_NOT_FOUND unless the reporter is joined and may see the event.",
          tags,
        },
      },
    )
    .post(
      `${CLIENT_V3}/rooms/:roomId/report`,
      ({ requester, params, body }) => services.reports.room(requester, params.roomId, body).then(() => ({})),
      {
        auth: "user",
        params: t.Object({ roomId: RoomIdParam }),
        body: ReasonBody,
        response: Empty,
        detail: {
          summary: "POST /_matrix/client/v3/rooms/{roomId}/report",
          description: "Reports a room, joined or not; 404 M_NOT_FOUND for unknown rooms.",
          tags,
        },
      },
    )
    .post(
      `${CLIENT_V3}/users/:userId/report`,
      ({ requester, params, body }) => services.reports.user(requester, params.userId, body).then(() => ({})),
      {
        auth: "user",
        params: t.Object({ userId: UserIdField }),
        body: ReasonBody,
        response: Empty,
        detail: {
          summary: "POST /_matrix/client/v3/users/{userId}/report",
          description:
            "Reports a user; 404 M_NOT_FOUND for unknown local users (users of other servers are taken on trust).",
          tags,
        },
      },
    );
