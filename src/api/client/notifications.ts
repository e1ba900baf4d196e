/**
 * The events that notified the user, newest first.
 * https://spec.matrix.org/v1.19/client-server-api/#listing-notifications
 */
import { Elysia, t } from "elysia";
import type { Services } from "../../core/services.ts";
import { auth } from "../plugins/auth.ts";

export const notificationRoutes = (services: Pick<Services, "sessions" | "pushNotifications">) =>
  new Elysia()
    .use(auth(services))
    .get(
      "/_matrix/client/v3/notifications",
      ({ requester, query }) => services.pushNotifications.listNotifications(requester.user_id, query),
      {
        auth: "user",
        query: t.Object({
          from: t.Optional(t.String({ description: "A next_token from an earlier page." })),
          limit: t.Optional(
            t.Integer({ minimum: 0, description: "At most this many notifications (default 50, at most 1000)." }),
          ),
          only: t.Optional(t.String({ description: '"highlight": only notifications that highlighted.' })),
        }),
        response: t.Object({
          notifications: t.Array(
            t.Object({
              actions: t.Array(t.Union([t.String(), t.Object({}, { additionalProperties: t.Unknown() })])),
              event: t.Object({}, { additionalProperties: t.Unknown(), description: "The event, in client format." }),
              profile_tag: t.Optional(t.String()),
              read: t.Boolean({ description: "Whether a read receipt of the user covers the event." }),
              room_id: t.String(),
              ts: t.Integer({ description: "When the notification was generated, in milliseconds." }),
            }),
          ),
          next_token: t.Optional(
            t.String({ description: "Pass as `from` for the next page; absent on the last page." }),
          ),
        }),
        detail: {
          summary: "GET /_matrix/client/v3/notifications",
          description: "The events the user's push rules notified them of, newest first, read ones included.",
          tags: ["Push notifications"],
        },
      },
    );
