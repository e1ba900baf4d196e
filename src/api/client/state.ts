/**
 * Room state: set and read one state event, or read them all. The state key may be empty,
 * with or without the trailing slash, and may contain `/`.
 * https://spec.matrix.org/v1.19/client-server-api/#put_matrixclientv3roomsroomidstateeventtypestatekey
 */
import { Elysia, t, type Static } from "elysia";
import type { Services } from "../../core/services.ts";
import type { Requester } from "../../core/requester.ts";
import type { EventContent } from "../../matrix/pdu.ts";
import { auth } from "../plugins/auth.ts";
import { DelayQuery, delayParameters, EventOrDelayIdResponse } from "./delayed-events.ts";
import { ClientEventList, EventContentSchema } from "../schemas/events.ts";
import { decodeWildcard } from "../schemas/rooms.ts";
import { CLIENT_V3, RoomIdParam } from "../schemas/common.ts";

const tags = ["Room participation"];
const StatePath = `${CLIENT_V3}/rooms/:roomId/state/:eventType`;
// The state key is the `*` wildcard, so that it may contain `/`. Elysia cannot build its
// validator for a property named "*", so the schema admits it as an additional property.
const WithKey = t.Object(
  { roomId: RoomIdParam, eventType: t.String({ minLength: 1 }) },
  { additionalProperties: t.Unknown() },
);
const stateKeyOf = (params: object) => decodeWildcard((params as { "*"?: string })["*"] ?? "");
const WithoutKey = t.Object({ roomId: RoomIdParam, eventType: t.String({ minLength: 1 }) });
const PutResponse = EventOrDelayIdResponse;
const FormatQuery = t.Object({ format: t.Optional(t.Union([t.Literal("content"), t.Literal("event")])) });

const putDetail = {
  summary: "PUT /_matrix/client/v3/rooms/{roomId}/state/{eventType}/{stateKey}",
  description:
    "Sets a state event; the same content from the same sender returns the existing event. New local aliases in " +
    "m.room.canonical_alias must point to the room (400 M_BAD_ALIAS). 403 M_FORBIDDEN names the failing auth rule. " +
    "With org.matrix.msc4140.delay=<ms> the event is scheduled instead and the answer is {delay_id} (MSC4140).",
  tags,
};
const getDetail = {
  summary: "GET /_matrix/client/v3/rooms/{roomId}/state/{eventType}/{stateKey}",
  description:
    "One state event's content (or the event with format=event), as of now or of the user's leave; 404 if unset.",
  tags,
};

export const stateRoutes = (services: Pick<Services, "sessions" | "timeline" | "roomEvents">) => {
  const put = (
    r: Requester,
    p: { roomId: string; eventType: string },
    key: string,
    query: Static<typeof DelayQuery>,
    body: unknown,
  ) => services.roomEvents.setState(r, p.roomId, p.eventType, key, body as EventContent, delayParameters(query));
  const get = (r: Requester, p: { roomId: string; eventType: string }, key: string, format?: "content" | "event") =>
    services.timeline.stateEvent(r, p.roomId, p.eventType, key, format);
  return new Elysia()
    .use(auth(services))
    .put(
      `${StatePath}/*`,
      ({ requester, params, query, body }) => put(requester, params, stateKeyOf(params), query, body),
      {
        auth: "user",
        params: WithKey,
        query: DelayQuery,
        body: EventContentSchema,
        response: PutResponse,
        detail: putDetail,
      },
    )
    .put(StatePath, ({ requester, params, query, body }) => put(requester, params, "", query, body), {
      auth: "user",
      params: WithoutKey,
      query: DelayQuery,
      body: EventContentSchema,
      response: PutResponse,
      detail: {
        ...putDetail,
        summary: "PUT /_matrix/client/v3/rooms/{roomId}/state/{eventType}",
        description: "The same with an empty state key.",
      },
    })
    .get(`${StatePath}/*`, ({ requester, params, query }) => get(requester, params, stateKeyOf(params), query.format), {
      auth: "guest",
      params: WithKey,
      query: FormatQuery,
      response: EventContentSchema,
      detail: getDetail,
    })
    .get(StatePath, ({ requester, params, query }) => get(requester, params, "", query.format), {
      auth: "guest",
      params: WithoutKey,
      query: FormatQuery,
      response: EventContentSchema,
      detail: {
        ...getDetail,
        summary: "GET /_matrix/client/v3/rooms/{roomId}/state/{eventType}",
        description: "The same with an empty state key.",
      },
    })
    .get(
      `${CLIENT_V3}/rooms/:roomId/state`,
      ({ requester, params }) => services.timeline.state(requester, params.roomId),
      {
        auth: "guest",
        params: t.Object({ roomId: RoomIdParam }),
        response: ClientEventList,
        detail: {
          summary: "GET /_matrix/client/v3/rooms/{roomId}/state",
          description:
            "Every state event, now or (for users who left) as of their leave; 403 for users who were never members.",
          tags,
        },
      },
    );
};
