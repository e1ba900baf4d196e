/**
 * Room aliases: create, resolve and delete them, and list a room's local aliases.
 * https://spec.matrix.org/v1.19/client-server-api/#room-aliases
 */
import { Elysia, t } from "elysia";
import type { Services } from "../../core/services.ts";
import { auth } from "../plugins/auth.ts";
import { RoomAliasParam } from "../schemas/directory.ts";
import { CLIENT_V3, Empty, RoomIdParam } from "../schemas/common.ts";

const tags = ["Room directory"];
const AliasParams = t.Object({ roomAlias: RoomAliasParam });

export const aliasRoutes = (services: Pick<Services, "sessions" | "directory">) =>
  new Elysia()
    .use(auth(services))
    .put(
      `${CLIENT_V3}/directory/room/:roomAlias`,
      ({ requester, params, body }) =>
        services.directory.createAlias(requester, params.roomAlias, body.room_id).then(() => ({})),
      {
        auth: "user",
        params: AliasParams,
        body: t.Object({ room_id: RoomIdParam }),
        response: Empty,
        detail: {
          summary: "PUT /_matrix/client/v3/directory/room/{roomAlias}",
          description:
            "Maps an alias of this server to a room the user is joined to (server admins and appservices need not be). " +
            "409 M_UNKNOWN when the alias exists, 400 M_INVALID_PARAM for invalid aliases or those of other servers, " +
            "400 M_EXCLUSIVE inside an appservice's namespace, 403 for non-members.",
          tags,
        },
      },
    )
    .get(`${CLIENT_V3}/directory/room/:roomAlias`, ({ params }) => services.directory.resolveAlias(params.roomAlias), {
      params: AliasParams,
      response: t.Object({ room_id: t.String(), servers: t.Array(t.String()) }),
      detail: {
        summary: "GET /_matrix/client/v3/directory/room/{roomAlias}",
        description:
          "The room an alias names, with this server to join through. No authentication. 404 M_NOT_FOUND when unknown (aliases of other servers need federation).",
        tags,
      },
    })
    .delete(
      `${CLIENT_V3}/directory/room/:roomAlias`,
      ({ requester, params }) => services.directory.deleteAlias(requester, params.roomAlias).then(() => ({})),
      {
        auth: "user",
        params: AliasParams,
        response: Empty,
        detail: {
          summary: "DELETE /_matrix/client/v3/directory/room/{roomAlias}",
          description:
            "Removes an alias: its creator, a server admin, or a member who may send m.room.canonical_alias (else 403). " +
            "The alias also leaves the room's canonical alias event when the user may change it. 404 M_NOT_FOUND when unknown.",
          tags,
        },
      },
    )
    .get(
      `${CLIENT_V3}/rooms/:roomId/aliases`,
      ({ requester, params }) => services.directory.localAliases(requester, params.roomId),
      {
        auth: "user",
        params: t.Object({ roomId: RoomIdParam }),
        response: t.Object({ aliases: t.Array(t.String()) }),
        detail: {
          summary: "GET /_matrix/client/v3/rooms/{roomId}/aliases",
          description:
            "The room's aliases on this server, for joined members (anyone if world_readable, and server admins); 403 M_FORBIDDEN otherwise.",
          tags,
        },
      },
    );
