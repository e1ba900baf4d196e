/**
 * Typing notifications.
 * https://spec.matrix.org/v1.19/client-server-api/#put_matrixclientv3roomsroomidtypinguserid
 */
import { Elysia, t } from "elysia";
import type { Services } from "../../core/services.ts";
import { auth } from "../plugins/auth.ts";
import { UserIdParam, CLIENT_V3, Empty, RoomIdParam } from "../schemas/common.ts";

export const typingRoutes = (services: Pick<Services, "sessions" | "typing">) =>
  new Elysia().use(auth(services)).put(
    `${CLIENT_V3}/rooms/:roomId/typing/:userId`,
    ({ requester, params, body }) => {
      services.typing.setTyping(requester, params.roomId, params.userId, body.typing, body.timeout);
      return {};
    },
    {
      auth: "guest",
      params: t.Object({ roomId: RoomIdParam, userId: UserIdParam }),
      body: t.Object({
        typing: t.Boolean(),
        timeout: t.Optional(t.Integer({ minimum: 0, description: "Milliseconds; 30 s when absent, at most 120 s." })),
      }),
      response: Empty,
      detail: {
        summary: "PUT /_matrix/client/v3/rooms/{roomId}/typing/{userId}",
        description:
          "Marks the user as typing (until the timeout) or not. Only for oneself (403) and in a room one is joined to (403).",
        tags: ["Room participation"],
      },
    },
  );
