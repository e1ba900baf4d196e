/**
 * Presence.
 * https://spec.matrix.org/v1.19/client-server-api/#presence
 */
import { Elysia, t } from "elysia";
import type { Services } from "../../core/services.ts";
import { auth } from "../plugins/auth.ts";
import { CLIENT_V3, UserIdParam } from "../schemas/common.ts";

const tags = ["Presence"];
const PresenceState = t.Union([t.Literal("online"), t.Literal("offline"), t.Literal("unavailable")]);

export const presenceRoutes = (services: Pick<Services, "sessions" | "presence">) =>
  new Elysia()
    .use(auth(services))
    .put(
      `${CLIENT_V3}/presence/:userId/status`,
      ({ requester, params, body }) => {
        services.presence.setStatus(requester, params.userId, body.presence, body.status_msg);
        return {};
      },
      {
        auth: "guest",
        params: t.Object({ userId: UserIdParam }),
        body: t.Object({ presence: PresenceState, status_msg: t.Optional(t.String()) }),
        response: t.Object({}),
        detail: {
          summary: "PUT /_matrix/client/v3/presence/{userId}/status",
          description:
            "Sets one's own presence and status message (403 for others). Accepted and ignored when presence is off (allow_local_presence = false).",
          tags,
        },
      },
    )
    .get(
      `${CLIENT_V3}/presence/:userId/status`,
      ({ requester, params }) => services.presence.getStatus(requester, params.userId),
      {
        auth: "guest",
        params: t.Object({ userId: UserIdParam }),
        response: t.Object({
          presence: PresenceState,
          last_active_ago: t.Optional(t.Integer()),
          currently_active: t.Optional(t.Boolean()),
          status_msg: t.Optional(t.String()),
        }),
        detail: {
          summary: "GET /_matrix/client/v3/presence/{userId}/status",
          description:
            "A user's presence, for oneself and users sharing a room (403 otherwise). Everyone is offline when presence is off.",
          tags,
        },
      },
    );
