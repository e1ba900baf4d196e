/**
 * Room upgrades. https://spec.matrix.org/v1.19/client-server-api/#room-upgrades
 */
import { Elysia, t } from "elysia";
import type { Services } from "../../core/services.ts";
import { auth } from "../plugins/auth.ts";
import { UserIdField } from "../schemas/rooms.ts";
import { CLIENT_V3, RoomIdParam } from "../schemas/common.ts";

export const roomUpgradeRoutes = (services: Pick<Services, "sessions" | "rooms">) =>
  new Elysia()
    .use(auth(services))
    .post(
      `${CLIENT_V3}/rooms/:roomId/upgrade`,
      ({ requester, params, body }) => services.rooms.upgrade(requester, params.roomId, body),
      {
        auth: "user",
        params: t.Object({ roomId: RoomIdParam }),
        body: t.Object({
          new_version: t.String(),
          additional_creators: t.Optional(
            t.Array(UserIdField, { description: "More creators of the new room (room version 12 and later)." }),
          ),
        }),
        response: t.Object({ replacement_room: t.String() }),
        detail: {
          summary: "POST /_matrix/client/v3/rooms/{roomId}/upgrade",
          description:
            "Replaces the room with one of `new_version`: join rules, history visibility, guest access, name, topic, avatar, encryption, " +
            "server ACL, power levels (and a space's children) and bans are copied, local aliases, the canonical alias and the directory " +
            "listing move, the old room gets a tombstone and needs level 50 to speak or invite. Takes the power to send m.room.tombstone " +
            "(403); 400 M_UNSUPPORTED_ROOM_VERSION for unknown versions; 404 for unknown rooms.",
          tags: ["Room upgrades"],
        },
      },
    );
