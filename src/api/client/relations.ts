/**
 * Event relationships and threads: the child events of an event, and the threads of a room.
 * https://spec.matrix.org/v1.19/client-server-api/#relationships-api
 * https://spec.matrix.org/v1.19/client-server-api/#querying-threads-in-a-room
 */
import { Elysia, t } from "elysia";
import type { Services } from "../../core/services.ts";
import type { RelationsRequest } from "../../core/timeline/relations.ts";
import type { Requester } from "../../core/requester.ts";
import { auth } from "../plugins/auth.ts";
import { ClientEventList } from "../schemas/events.ts";
import { EventIdParam } from "../schemas/rooms.ts";
import { CLIENT_V1, RoomIdParam } from "../schemas/common.ts";

const tags = ["Event relationships"];

const RelationsQuery = t.Object({
  from: t.Optional(
    t.String({ description: "A next_batch or prev_batch of this endpoint, a /messages token or a /sync next_batch." }),
  ),
  to: t.Optional(t.String()),
  limit: t.Optional(t.Integer({ minimum: 0, description: "Default 50, at most 1000." })),
  dir: t.Optional(t.Union([t.Literal("b"), t.Literal("f")], { description: "Default b: newest first." })),
  recurse: t.Optional(
    t.Boolean({ description: "Also children of children, up to 3 relations deep, each passing the filters." }),
  ),
});

const RelationsResponse = t.Object({
  chunk: ClientEventList,
  next_batch: t.Optional(t.String()),
  prev_batch: t.Optional(t.String()),
  recursion_depth: t.Optional(t.Integer()),
});

const description =
  "The events relating to the event, in topological order (dir=b: newest first). 404 M_NOT_FOUND if the event is unknown " +
  "or the user may not see it; children the user may not see are left out. Every event carries its bundled aggregations.";

type Query = Omit<RelationsRequest, "relType" | "eventType">;

export const relationsRoutes = (services: Pick<Services, "sessions" | "timeline">) => {
  const relations = (
    requester: Requester,
    params: { roomId: string; eventId: string; relType?: string; eventType?: string },
    query: Query,
  ) =>
    services.timeline.relations(requester, params.roomId, params.eventId, {
      ...query,
      relType: params.relType,
      eventType: params.eventType,
    });
  return new Elysia()
    .use(auth(services))
    .get(
      `${CLIENT_V1}/rooms/:roomId/relations/:eventId`,
      ({ requester, params, query }) => relations(requester, params, query),
      {
        auth: "user",
        params: t.Object({ roomId: RoomIdParam, eventId: EventIdParam }),
        query: RelationsQuery,
        response: RelationsResponse,
        detail: { summary: "GET /_matrix/client/v1/rooms/{roomId}/relations/{eventId}", description, tags },
      },
    )
    .get(
      `${CLIENT_V1}/rooms/:roomId/relations/:eventId/:relType`,
      ({ requester, params, query }) => relations(requester, params, query),
      {
        auth: "user",
        params: t.Object({ roomId: RoomIdParam, eventId: EventIdParam, relType: t.String({ minLength: 1 }) }),
        query: RelationsQuery,
        response: RelationsResponse,
        detail: {
          summary: "GET /_matrix/client/v1/rooms/{roomId}/relations/{eventId}/{relType}",
          description: `${description} Only relations of relType.`,
          tags,
        },
      },
    )
    .get(
      `${CLIENT_V1}/rooms/:roomId/relations/:eventId/:relType/:eventType`,
      ({ requester, params, query }) => relations(requester, params, query),
      {
        auth: "user",
        params: t.Object({
          roomId: RoomIdParam,
          eventId: EventIdParam,
          relType: t.String({ minLength: 1 }),
          eventType: t.String({ minLength: 1 }),
        }),
        query: RelationsQuery,
        response: RelationsResponse,
        detail: {
          summary: "GET /_matrix/client/v1/rooms/{roomId}/relations/{eventId}/{relType}/{eventType}",
          description: `${description} Only relations of relType from events of eventType (m.room.encrypted in encrypted rooms).`,
          tags,
        },
      },
    )
    .get(
      `${CLIENT_V1}/rooms/:roomId/threads`,
      ({ requester, params, query }) => services.timeline.threads(requester, params.roomId, query),
      {
        auth: "user",
        params: t.Object({ roomId: RoomIdParam }),
        query: t.Object({
          include: t.Optional(t.Union([t.Literal("all"), t.Literal("participated")])),
          from: t.Optional(t.String({ description: "A next_batch of this endpoint." })),
          limit: t.Optional(t.Integer({ minimum: 1, description: "Default 20, at most 100." })),
        }),
        response: t.Object({ chunk: ClientEventList, next_batch: t.Optional(t.String()) }),
        detail: {
          summary: "GET /_matrix/client/v1/rooms/{roomId}/threads",
          description:
            "The room's thread roots, the most recently active first (include=participated: threads the user started or posted in), " +
            "each with its m.thread aggregation. 403 M_FORBIDDEN for users who may not read the room.",
          tags: ["Threads"],
        },
      },
    );
};
