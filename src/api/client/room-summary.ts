/**
 * Room summaries (MSC3266), at the stable path of spec v1.15 and the two unstable paths that
 * matrix-js-sdk (Element Call) tries first. Authentication is optional: without it, only rooms
 * anyone may join, knock on or read are summarised.
 * https://spec.matrix.org/v1.19/client-server-api/#get_matrixclientv1room_summaryroomidoralias
 */
import { Elysia, t } from "elysia";
import type { Services } from "../../core/services.ts";
import { unstableRoomSummary } from "../../core/rooms/room-summary.ts";
import { auth } from "../plugins/auth.ts";
import { RoomSummarySchema, UnstableRoomSummarySchema } from "../schemas/directory.ts";
import { RoomIdOrAliasParam } from "../schemas/rooms.ts";
import { CLIENT_V1 } from "../schemas/common.ts";

const tags = ["Room discovery"];
const UNSTABLE = "/_matrix/client/unstable/im.nheko.summary";
const Params = t.Object({ roomIdOrAlias: RoomIdOrAliasParam });
// Servers to ask when this one cannot summarise the room; without federation there are none.
const ViaQuery = t.Object({ via: t.Optional(t.Union([t.String(), t.Array(t.String())])) });
const description =
  "Name, topic, avatar, canonical alias, member count, join rule, guest and world-readable flags, room type, version, encryption, " +
  "allowed rooms (restricted) and the requester's membership, for rooms the requester is in, invited to or knocking on, may join " +
  "through a restricted rule, or that anyone may join, knock on or read. Otherwise 404 M_NOT_FOUND, as for unknown rooms.";

export const roomSummaryRoutes = (services: Pick<Services, "sessions" | "directory">) =>
  new Elysia()
    .use(auth(services))
    .get(
      `${CLIENT_V1}/room_summary/:roomIdOrAlias`,
      ({ requester, params }) => services.directory.summary(requester, params.roomIdOrAlias),
      {
        optionalAuth: true,
        params: Params,
        query: ViaQuery,
        response: RoomSummarySchema,
        detail: { summary: "GET /_matrix/client/v1/room_summary/{roomIdOrAlias}", description, tags },
      },
    )
    .get(
      `${UNSTABLE}/summary/:roomIdOrAlias`,
      ({ requester, params }) => unstableRoomSummary(services.directory.summary(requester, params.roomIdOrAlias)),
      {
        optionalAuth: true,
        params: Params,
        query: ViaQuery,
        response: UnstableRoomSummarySchema,
        detail: {
          summary: "GET /_matrix/client/unstable/im.nheko.summary/summary/{roomIdOrAlias}",
          description: `MSC3266's unstable path. ${description}`,
          tags,
        },
      },
    )
    .get(
      `${UNSTABLE}/rooms/:roomIdOrAlias/summary`,
      ({ requester, params }) => unstableRoomSummary(services.directory.summary(requester, params.roomIdOrAlias)),
      {
        optionalAuth: true,
        params: Params,
        query: ViaQuery,
        response: UnstableRoomSummarySchema,
        detail: {
          summary: "GET /_matrix/client/unstable/im.nheko.summary/rooms/{roomIdOrAlias}/summary",
          description: `MSC3266's older unstable path. ${description}`,
          tags,
        },
      },
    );
