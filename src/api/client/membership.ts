/**
 * Room membership: join, knock, invite, leave, forget, kick, ban, unban.
 * https://spec.matrix.org/v1.19/client-server-api/#room-membership
 */
import { Elysia, t } from "elysia";
import type { Services } from "../../core/services.ts";
import { auth } from "../plugins/auth.ts";
import { Reason, RoomIdOrAliasParam, RoomIdResponse, UserIdField } from "../schemas/rooms.ts";
import { CLIENT_V3, Empty, RoomIdParam } from "../schemas/common.ts";

const tags = ["Room membership"];
const RoomParams = t.Object({ roomId: RoomIdParam });
const ReasonBody = t.Object({ reason: Reason }, { additionalProperties: t.Unknown() });
const TargetBody = t.Object({ user_id: UserIdField, reason: Reason });
// `server_name` (deprecated) and `via` name servers to join through; without federation only local rooms can be joined.
const ViaQuery = t.Object({
  server_name: t.Optional(t.Union([t.String(), t.Array(t.String())])),
  via: t.Optional(t.Union([t.String(), t.Array(t.String())])),
});

export const membershipRoutes = (services: Pick<Services, "sessions" | "rooms">) =>
  new Elysia()
    .use(auth(services))
    .post(
      `${CLIENT_V3}/join/:roomIdOrAlias`,
      ({ requester, params, body }) => services.rooms.join(requester, params.roomIdOrAlias, body.reason),
      {
        auth: "guest",
        params: t.Object({ roomIdOrAlias: RoomIdOrAliasParam }),
        query: ViaQuery,
        body: ReasonBody,
        response: RoomIdResponse,
        detail: {
          summary: "POST /_matrix/client/v3/join/{roomIdOrAlias}",
          description:
            "Joins a room of this server by id or alias (404 M_NOT_FOUND if unknown); restricted rooms admit members of their allowed rooms. Guests need guest_access can_join.",
          tags,
        },
      },
    )
    .post(
      `${CLIENT_V3}/rooms/:roomId/join`,
      ({ requester, params, body }) => services.rooms.join(requester, params.roomId, body.reason),
      {
        auth: "guest",
        params: RoomParams,
        body: ReasonBody,
        response: RoomIdResponse,
        detail: {
          summary: "POST /_matrix/client/v3/rooms/{roomId}/join",
          description: "Joins a room by id; 403 with the failing auth rule when not allowed.",
          tags,
        },
      },
    )
    .post(
      `${CLIENT_V3}/knock/:roomIdOrAlias`,
      ({ requester, params, body }) => services.rooms.knock(requester, params.roomIdOrAlias, body.reason),
      {
        auth: "user",
        params: t.Object({ roomIdOrAlias: RoomIdOrAliasParam }),
        query: ViaQuery,
        body: ReasonBody,
        response: RoomIdResponse,
        detail: {
          summary: "POST /_matrix/client/v3/knock/{roomIdOrAlias}",
          description: "Asks to join a room whose join rule is knock or knock_restricted.",
          tags,
        },
      },
    )
    .post(
      `${CLIENT_V3}/rooms/:roomId/invite`,
      ({ requester, params, body }) =>
        services.rooms.invite(requester, params.roomId, body.user_id, body.reason).then(() => ({})),
      {
        auth: "user",
        params: RoomParams,
        body: TargetBody,
        response: Empty,
        detail: {
          summary: "POST /_matrix/client/v3/rooms/{roomId}/invite",
          description:
            "Invites a local user (404 if unknown; users of other servers need federation). Inviting someone already invited succeeds.",
          tags,
        },
      },
    )
    .post(
      `${CLIENT_V3}/rooms/:roomId/leave`,
      ({ requester, params, body }) => services.rooms.leave(requester, params.roomId, body.reason).then(() => ({})),
      {
        auth: "guest",
        params: RoomParams,
        body: ReasonBody,
        response: Empty,
        detail: {
          summary: "POST /_matrix/client/v3/rooms/{roomId}/leave",
          description: "Leaves, rejects an invite or withdraws a knock; a no-op when not in the room.",
          tags,
        },
      },
    )
    .post(
      `${CLIENT_V3}/rooms/:roomId/forget`,
      ({ requester, params }) => services.rooms.forget(requester, params.roomId).then(() => ({})),
      {
        auth: "user",
        params: RoomParams,
        response: Empty,
        detail: {
          summary: "POST /_matrix/client/v3/rooms/{roomId}/forget",
          description: "Hides a left room's history from the user; 400 M_UNKNOWN while still in the room.",
          tags,
        },
      },
    )
    .post(
      `${CLIENT_V3}/rooms/:roomId/kick`,
      ({ requester, params, body }) =>
        services.rooms.kick(requester, params.roomId, body.user_id, body.reason).then(() => ({})),
      {
        auth: "user",
        params: RoomParams,
        body: TargetBody,
        response: Empty,
        detail: {
          summary: "POST /_matrix/client/v3/rooms/{roomId}/kick",
          description: "Removes a member; 403 if the target is not in the room or the auth rules refuse.",
          tags,
        },
      },
    )
    .post(
      `${CLIENT_V3}/rooms/:roomId/ban`,
      ({ requester, params, body }) =>
        services.rooms.ban(requester, params.roomId, body.user_id, body.reason).then(() => ({})),
      {
        auth: "user",
        params: RoomParams,
        body: TargetBody,
        response: Empty,
        detail: {
          summary: "POST /_matrix/client/v3/rooms/{roomId}/ban",
          description: "Bans a user (of any server, member or not).",
          tags,
        },
      },
    )
    .post(
      `${CLIENT_V3}/rooms/:roomId/unban`,
      ({ requester, params, body }) =>
        services.rooms.unban(requester, params.roomId, body.user_id, body.reason).then(() => ({})),
      {
        auth: "user",
        params: RoomParams,
        body: TargetBody,
        response: Empty,
        detail: {
          summary: "POST /_matrix/client/v3/rooms/{roomId}/unban",
          description: "Lifts a ban (membership back to leave); 403 if the user is not banned.",
          tags,
        },
      },
    );
