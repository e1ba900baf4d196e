/**
 * Room creation and room reads: createRoom, single events, context, members, joined rooms,
 * and timestamp lookup. https://spec.matrix.org/v1.19/client-server-api/#rooms
 */
import { Elysia, t } from "elysia";
import type { Services } from "../../core/services.ts";
import { auth } from "../plugins/auth.ts";
import { ClientEventList, ClientEventSchema, EventContentSchema } from "../schemas/events.ts";
import { EventIdParam, RoomIdResponse, UserIdField } from "../schemas/rooms.ts";
import { CLIENT_V1, CLIENT_V3, RoomIdParam } from "../schemas/common.ts";

const Membership = t.Union([
  t.Literal("join"),
  t.Literal("invite"),
  t.Literal("knock"),
  t.Literal("leave"),
  t.Literal("ban"),
]);

const CreateRoomBody = t.Object({
  visibility: t.Optional(t.Union([t.Literal("public"), t.Literal("private")])),
  room_alias_name: t.Optional(t.String()),
  name: t.Optional(t.String()),
  topic: t.Optional(t.String()),
  invite: t.Optional(t.Array(UserIdField)),
  invite_3pid: t.Optional(t.Array(t.Object({}, { additionalProperties: t.Unknown() }))),
  room_version: t.Optional(t.String()),
  creation_content: t.Optional(EventContentSchema),
  initial_state: t.Optional(
    t.Array(t.Object({ type: t.String(), state_key: t.Optional(t.String()), content: EventContentSchema })),
  ),
  preset: t.Optional(t.Union([t.Literal("private_chat"), t.Literal("public_chat"), t.Literal("trusted_private_chat")])),
  is_direct: t.Optional(t.Boolean()),
  power_level_content_override: t.Optional(EventContentSchema),
});

const tags = ["Rooms"];

export const roomsRoutes = (services: Pick<Services, "sessions" | "rooms" | "timeline">) =>
  new Elysia()
    .use(auth(services))
    .post(`${CLIENT_V3}/createRoom`, ({ requester, body }) => services.rooms.create(requester, body), {
      auth: "user",
      body: CreateRoomBody,
      response: RoomIdResponse,
      detail: {
        summary: "POST /_matrix/client/v3/createRoom",
        description:
          "Creates a room (version 12 unless room_version says otherwise; 400 M_UNSUPPORTED_ROOM_VERSION for unknown ones) with the " +
          "preset's state, then initial_state, name, topic and invites, in one transaction. Private, trusted and direct rooms let " +
          "every member send Element Call membership. 400 M_ROOM_IN_USE for a taken alias, M_INVALID_ROOM_STATE when the " +
          "requested state breaks the room's own rules. invite_3pid is not supported yet.",
        tags,
      },
    })
    .get(
      `${CLIENT_V3}/rooms/:roomId/event/:eventId`,
      ({ requester, params }) => services.timeline.event(requester, params.roomId, params.eventId),
      {
        auth: "guest",
        params: t.Object({ roomId: RoomIdParam, eventId: EventIdParam }),
        response: ClientEventSchema,
        detail: {
          summary: "GET /_matrix/client/v3/rooms/{roomId}/event/{eventId}",
          description: "One event; 404 M_NOT_FOUND if unknown or not visible to the user.",
          tags,
        },
      },
    )
    .get(
      `${CLIENT_V3}/rooms/:roomId/context/:eventId`,
      ({ requester, params, query }) => services.timeline.context(requester, params.roomId, params.eventId, query),
      {
        auth: "guest",
        params: t.Object({ roomId: RoomIdParam, eventId: EventIdParam }),
        query: t.Object({ limit: t.Optional(t.Integer({ minimum: 0 })), filter: t.Optional(t.String()) }),
        response: t.Object({
          start: t.String(),
          end: t.String(),
          event: ClientEventSchema,
          events_before: ClientEventList,
          events_after: ClientEventList,
          state: ClientEventList,
        }),
        detail: {
          summary: "GET /_matrix/client/v3/rooms/{roomId}/context/{eventId}",
          description:
            "The event with up to `limit` visible events around it (half before), and the state at the last one (only the senders' members with lazy_load_members).",
          tags,
        },
      },
    )
    .get(
      `${CLIENT_V3}/rooms/:roomId/members`,
      ({ requester, params, query }) => services.rooms.members(requester, params.roomId, query),
      {
        auth: "guest",
        params: t.Object({ roomId: RoomIdParam }),
        query: t.Object({
          at: t.Optional(t.String()),
          membership: t.Optional(Membership),
          not_membership: t.Optional(Membership),
        }),
        response: t.Object({ chunk: ClientEventList }),
        detail: {
          summary: "GET /_matrix/client/v3/rooms/{roomId}/members",
          description:
            "Member events now, or at the pagination token `at`; for users who left, as of their leave. 403 for non-members.",
          tags,
        },
      },
    )
    .get(
      `${CLIENT_V3}/rooms/:roomId/joined_members`,
      ({ requester, params }) => services.rooms.joinedMembers(requester, params.roomId),
      {
        auth: "guest",
        params: t.Object({ roomId: RoomIdParam }),
        response: t.Object({
          joined: t.Record(
            t.String(),
            t.Object({ display_name: t.Optional(t.String()), avatar_url: t.Optional(t.String()) }),
          ),
        }),
        detail: {
          summary: "GET /_matrix/client/v3/rooms/{roomId}/joined_members",
          description: "The joined members with their room profile; 403 unless joined (or world_readable).",
          tags,
        },
      },
    )
    .get(`${CLIENT_V3}/joined_rooms`, ({ requester }) => services.rooms.joinedRooms(requester), {
      auth: "guest",
      response: t.Object({ joined_rooms: t.Array(t.String()) }),
      detail: { summary: "GET /_matrix/client/v3/joined_rooms", description: "The rooms the user is joined to.", tags },
    })
    .get(
      `${CLIENT_V1}/rooms/:roomId/timestamp_to_event`,
      ({ requester, params, query }) =>
        services.timeline.timestampToEvent(requester, params.roomId, query.ts, query.dir),
      {
        auth: "guest",
        params: t.Object({ roomId: RoomIdParam }),
        query: t.Object({ ts: t.Integer(), dir: t.Union([t.Literal("f"), t.Literal("b")]) }),
        response: t.Object({ event_id: t.String(), origin_server_ts: t.Integer() }),
        detail: {
          summary: "GET /_matrix/client/v1/rooms/{roomId}/timestamp_to_event",
          description: "The visible event closest to `ts` in direction `dir`; 404 M_NOT_FOUND if there is none.",
          tags,
        },
      },
    );
