/**
 * Receipts and read markers.
 * https://spec.matrix.org/v1.19/client-server-api/#post_matrixclientv3roomsroomidreceiptreceipttypeeventid
 * https://spec.matrix.org/v1.19/client-server-api/#post_matrixclientv3roomsroomidread_markers
 */
import { Elysia, t } from "elysia";
import type { Services } from "../../core/services.ts";
import { auth } from "../plugins/auth.ts";
import { EventIdParam } from "../schemas/rooms.ts";
import { CLIENT_V3, Empty, RoomIdParam } from "../schemas/common.ts";

const tags = ["Room participation"];

export const receiptRoutes = (services: Pick<Services, "sessions" | "receipts">) =>
  new Elysia()
    .use(auth(services))
    .post(
      `${CLIENT_V3}/rooms/:roomId/receipt/:receiptType/:eventId`,
      ({ requester, params, body }) => {
        services.receipts.sendReceipt(requester, params.roomId, params.receiptType, params.eventId, body?.thread_id);
        return {};
      },
      {
        auth: "guest",
        params: t.Object({ roomId: RoomIdParam, receiptType: t.String(), eventId: EventIdParam }),
        // Clients send {} or nothing at all.
        body: t.Optional(t.Object({ thread_id: t.Optional(t.String()) }, { additionalProperties: t.Unknown() })),
        response: Empty,
        detail: {
          summary: "POST /_matrix/client/v3/rooms/{roomId}/receipt/{receiptType}/{eventId}",
          description:
            "m.read, m.read.private (seen only by its sender) or m.fully_read. m.read and m.read.private mark the user's notifications read " +
            "up to the event (in `thread_id`'s thread only, when given: `main` or a thread root). A receipt for an older event than the " +
            "current one is accepted and changes nothing. 400 M_INVALID_PARAM for other types or a thread the event is not in.",
          tags,
        },
      },
    )
    .post(
      `${CLIENT_V3}/rooms/:roomId/read_markers`,
      ({ requester, params, body }) => {
        services.receipts.setReadMarkers(requester, params.roomId, {
          fullyRead: body["m.fully_read"],
          read: body["m.read"],
          readPrivate: body["m.read.private"],
        });
        return {};
      },
      {
        auth: "guest",
        params: t.Object({ roomId: RoomIdParam }),
        body: t.Object({
          "m.fully_read": t.Optional(EventIdParam),
          "m.read": t.Optional(EventIdParam),
          "m.read.private": t.Optional(EventIdParam),
        }),
        response: Empty,
        detail: {
          summary: "POST /_matrix/client/v3/rooms/{roomId}/read_markers",
          description:
            "Sets the m.fully_read marker (room account data) and, optionally, unthreaded m.read / m.read.private receipts.",
          tags,
        },
      },
    );
