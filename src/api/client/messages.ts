/**
 * Sending events and paginating a room's timeline.
 * https://spec.matrix.org/v1.19/client-server-api/#sending-events-to-a-room
 * https://spec.matrix.org/v1.19/client-server-api/#get_matrixclientv3roomsroomidmessages
 */
import { Elysia, t } from "elysia";
import type { Services } from "../../core/services.ts";
import type { EventContent } from "../../matrix/pdu.ts";
import { auth } from "../plugins/auth.ts";
import { DelayQuery, delayParameters, EventOrDelayIdResponse } from "./delayed-events.ts";
import { ClientEventList, EventContentSchema } from "../schemas/events.ts";
import { CLIENT_V3, RoomIdParam } from "../schemas/common.ts";

const tags = ["Room participation"];

export const messagesRoutes = (services: Pick<Services, "sessions" | "roomEvents" | "timeline">) =>
  new Elysia()
    .use(auth(services))
    .put(
      `${CLIENT_V3}/rooms/:roomId/send/:eventType/:txnId`,
      ({ requester, params: { roomId, eventType, txnId }, query, body }) =>
        services.roomEvents.send(requester, roomId, eventType, txnId, body as EventContent, delayParameters(query)),
      {
        auth: "guest",
        params: t.Object({
          roomId: RoomIdParam,
          eventType: t.String({ minLength: 1 }),
          txnId: t.String({ minLength: 1 }),
        }),
        query: DelayQuery,
        body: EventContentSchema,
        response: EventOrDelayIdResponse,
        detail: {
          summary: "PUT /_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}",
          description:
            "Sends a message event. The same txnId from the same device returns the first event_id, also after a restart. " +
            "403 M_FORBIDDEN names the authorization rule that refused the event; 413 M_TOO_LARGE above 64 KiB. " +
            "With org.matrix.msc4140.delay=<ms> the event is scheduled instead and the answer is {delay_id} (MSC4140).",
          tags,
        },
      },
    )
    .get(
      `${CLIENT_V3}/rooms/:roomId/messages`,
      ({ requester, params, query }) => services.timeline.messages(requester, params.roomId, query),
      {
        auth: "guest",
        params: t.Object({ roomId: RoomIdParam }),
        query: t.Object({
          from: t.Optional(t.String()),
          to: t.Optional(t.String()),
          dir: t.Union([t.Literal("b"), t.Literal("f")]),
          limit: t.Optional(t.Integer({ minimum: 0 })),
          filter: t.Optional(t.String()),
        }),
        response: t.Object({
          start: t.String(),
          end: t.Optional(t.String()),
          chunk: ClientEventList,
          state: t.Optional(ClientEventList),
        }),
        detail: {
          summary: "GET /_matrix/client/v3/rooms/{roomId}/messages",
          description:
            "Pages through the events the user may see, backwards (dir=b) or forwards (dir=f), from/to tokens of /messages, /context or sync. " +
            "The filter's types, not_types, senders, not_senders, contains_url and lazy_load_members apply. `end` is omitted at the start of the room.",
          tags,
        },
      },
    );
