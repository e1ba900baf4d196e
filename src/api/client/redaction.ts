/**
 * Redactions. https://spec.matrix.org/v1.19/client-server-api/#put_matrixclientv3roomsroomidredacteventidtxnid
 */
import { Elysia, t } from "elysia";
import type { Services } from "../../core/services.ts";
import { auth } from "../plugins/auth.ts";
import { EventIdParam, EventIdResponse, Reason } from "../schemas/rooms.ts";
import { CLIENT_V3, RoomIdParam } from "../schemas/common.ts";

export const redactionRoutes = (services: Pick<Services, "sessions" | "rooms">) =>
  new Elysia()
    .use(auth(services))
    .put(
      `${CLIENT_V3}/rooms/:roomId/redact/:eventId/:txnId`,
      ({ requester, params, body }) =>
        services.rooms.redact(requester, params.roomId, params.eventId, params.txnId, body.reason),
      {
        auth: "user",
        params: t.Object({ roomId: RoomIdParam, eventId: EventIdParam, txnId: t.String({ minLength: 1 }) }),
        body: t.Object({ reason: Reason }, { additionalProperties: t.Unknown() }),
        response: EventIdResponse,
        detail: {
          summary: "PUT /_matrix/client/v3/rooms/{roomId}/redact/{eventId}/{txnId}",
          description:
            "Redacts an event of this room (404 if unknown). Other users' events need the redact level. Reads serve the redacted " +
            "form with unsigned.redacted_because from then on. The txnId makes retries return the same redaction.",
          tags: ["Room participation"],
        },
      },
    );
