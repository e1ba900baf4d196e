/**
 * The published room directory: a room's visibility in it, and the list (publicRooms).
 * https://spec.matrix.org/v1.19/client-server-api/#published-room-directory
 */
import { Elysia, t } from "elysia";
import type { Services } from "../../core/services.ts";
import { auth } from "../plugins/auth.ts";
import { PublicRoomsResponse } from "../schemas/directory.ts";
import { CLIENT_V3, Empty, RoomIdParam } from "../schemas/common.ts";

const tags = ["Room discovery"];
const Visibility = t.Union([t.Literal("public"), t.Literal("private")]);
const RoomParams = t.Object({ roomId: RoomIdParam });
const ServerQuery = t.Object({
  server: t.Optional(t.String({ description: "Only this server's own name: listing other servers needs federation." })),
});
const publicRoomsDescription =
  "Rooms published here whose join rule is public, knock or knock_restricted, or that are world_readable; " +
  "largest first. `since` takes next_batch or prev_batch. 400 M_INVALID_PARAM for another `server` or a bad token.";

export const directoryRoutes = (services: Pick<Services, "sessions" | "directory">) =>
  new Elysia()
    .use(auth(services))
    .get(`${CLIENT_V3}/directory/list/room/:roomId`, ({ params }) => services.directory.visibility(params.roomId), {
      params: RoomParams,
      response: t.Object({ visibility: Visibility }),
      detail: {
        summary: "GET /_matrix/client/v3/directory/list/room/{roomId}",
        description:
          "Whether the room is published in this server's directory. No authentication. 404 M_NOT_FOUND for unknown rooms.",
        tags,
      },
    })
    .put(
      `${CLIENT_V3}/directory/list/room/:roomId`,
      ({ requester, params, body }) =>
        services.directory.setVisibility(requester, params.roomId, body.visibility ?? "public").then(() => ({})),
      {
        auth: "user",
        params: RoomParams,
        body: t.Object({ visibility: t.Optional(Visibility) }),
        response: Empty,
        detail: {
          summary: "PUT /_matrix/client/v3/directory/list/room/{roomId}",
          description:
            "Publishes (default) or unpublishes the room. Takes a server admin or a joined member who may send m.room.canonical_alias " +
            "(403 M_FORBIDDEN otherwise); 404 M_NOT_FOUND for unknown rooms.",
          tags,
        },
      },
    )
    .get(`${CLIENT_V3}/publicRooms`, ({ query }) => services.directory.publicRooms(query), {
      query: t.Object({
        limit: t.Optional(t.Integer({ minimum: 0 })),
        since: t.Optional(t.String()),
        ...ServerQuery.properties,
      }),
      response: PublicRoomsResponse,
      detail: {
        summary: "GET /_matrix/client/v3/publicRooms",
        description: `${publicRoomsDescription} No authentication.`,
        tags,
      },
    })
    .post(`${CLIENT_V3}/publicRooms`, ({ query, body }) => services.directory.publicRooms({ ...body, ...query }), {
      auth: "guest",
      query: ServerQuery,
      body: t.Object({
        limit: t.Optional(t.Integer({ minimum: 0 })),
        since: t.Optional(t.String()),
        filter: t.Optional(
          t.Object({
            generic_search_term: t.Optional(
              t.String({ description: "A case-insensitive part of the name, topic or canonical alias." }),
            ),
            room_types: t.Optional(
              t.Array(t.Union([t.String(), t.Null()]), {
                description: "Room types to list; null for rooms without one.",
              }),
            ),
          }),
        ),
        include_all_networks: t.Optional(t.Boolean()),
        third_party_instance_id: t.Optional(t.String()),
      }),
      response: PublicRoomsResponse,
      detail: {
        summary: "POST /_matrix/client/v3/publicRooms",
        description: `${publicRoomsDescription} The filter narrows by search term and room type; third_party_instance_id lists an appservice network.`,
        tags,
      },
    });
