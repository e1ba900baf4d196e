/**
 * Account data, global and per room.
 * https://spec.matrix.org/v1.19/client-server-api/#client-config
 */
import { Elysia, t } from "elysia";
import type { Services } from "../../core/services.ts";
import { auth } from "../plugins/auth.ts";
import { CLIENT_V3, Empty, JsonObject, UserIdParam } from "../schemas/common.ts";

const tags = ["User data"];
const GlobalParams = t.Object({ userId: UserIdParam, type: t.String() });
// Room ids are checked by the core (M_INVALID_PARAM), as the spec names that errcode.
const RoomParams = t.Object({ userId: UserIdParam, roomId: t.String(), type: t.String() });

export const accountDataRoutes = (services: Pick<Services, "sessions" | "accountData">) =>
  new Elysia()
    .use(auth(services))
    .get(
      `${CLIENT_V3}/user/:userId/account_data/:type`,
      ({ requester, params }) => services.accountData.getGlobal(requester, params.userId, params.type),
      {
        auth: "user",
        params: GlobalParams,
        response: JsonObject,
        detail: {
          summary: "GET /_matrix/client/v3/user/{userId}/account_data/{type}",
          description: "The user's own global account data of one type.",
          tags,
        },
      },
    )
    .put(
      `${CLIENT_V3}/user/:userId/account_data/:type`,
      ({ requester, params, body }) => {
        services.accountData.setGlobal(requester, params.userId, params.type, body);
        return {};
      },
      {
        auth: "user",
        params: GlobalParams,
        body: JsonObject,
        response: Empty,
        detail: {
          summary: "PUT /_matrix/client/v3/user/{userId}/account_data/{type}",
          description: "Sets global account data (405 M_BAD_JSON for server-controlled types such as m.push_rules).",
          tags,
        },
      },
    )
    .get(
      `${CLIENT_V3}/user/:userId/rooms/:roomId/account_data/:type`,
      ({ requester, params }) => services.accountData.getRoom(requester, params.userId, params.roomId, params.type),
      {
        auth: "user",
        params: RoomParams,
        response: JsonObject,
        detail: {
          summary: "GET /_matrix/client/v3/user/{userId}/rooms/{roomId}/account_data/{type}",
          description: "The user's own account data for a room.",
          tags,
        },
      },
    )
    .put(
      `${CLIENT_V3}/user/:userId/rooms/:roomId/account_data/:type`,
      ({ requester, params, body }) => {
        services.accountData.setRoom(requester, params.userId, params.roomId, params.type, body);
        return {};
      },
      {
        auth: "user",
        params: RoomParams,
        body: JsonObject,
        response: Empty,
        detail: {
          summary: "PUT /_matrix/client/v3/user/{userId}/rooms/{roomId}/account_data/{type}",
          description:
            "Sets account data for a room (only the room id's syntax is checked; 405 M_BAD_JSON for m.fully_read).",
          tags,
        },
      },
    );
