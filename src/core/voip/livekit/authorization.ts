/**
 * The built-in MatrixRTC authorization service: lk-jwt-service's endpoints, served by
 * bunduit itself when [global.matrix_rtc] names a LiveKit SFU and its API key. A client
 * proves who it is with an OpenID token and gets a LiveKit token for the call's room.
 *
 * Access follows lk-jwt-service, with this server's users as its only "full-access" users:
 * - our users (matrix_server_name is our server_name) are checked in-process, must be
 *   joined to the Matrix room, get the LiveKit room created, and may delegate their leave;
 * - other servers' users are checked over federation and get a token for the LiveKit room
 *   only: they cannot create it, so they join calls one of our members started (LiveKit must
 *   run with `room.auto_create: false`). Their membership is not checked, as in
 *   lk-jwt-service: without federation this server cannot see their rooms.
 * lk-jwt-service itself checks no room membership; requiring it of our users is what
 * MSC4195's latest revision asks of a homeserver that issues tokens.
 * https://github.com/element-hq/lk-jwt-service
 */
import type { Config } from "../../../config.ts";
import { MatrixError, forbidden, unrecognized } from "../../../errors.ts";
import type { Logger } from "../../../logger.ts";
import type { Clock } from "../../clock.ts";
import { lookupOpenIdUserInfo } from "../../federation/openid-userinfo.ts";
import type { OpenId } from "../../users/openid.ts";
import { mintJoinToken } from "./access-token.ts";
import { legacyLiveKitIdentity, liveKitIdentity, liveKitRoomAlias, ROOM_CALL_SLOT } from "./identifiers.ts";
import { createLeaveDelegation, type DelayedEventActions } from "./leave-delegation.ts";
import {
  checkDelegateDelayedLeaveRequest,
  checkLegacySfuRequest,
  checkSfuRequest,
  type CheckedOpenIdToken,
  type LegacySfuRequest,
  type RequestedDelegation,
  type SfuRequest,
  type SfuResponse,
} from "./requests.ts";
import { createRoomServiceClient } from "./room-service.ts";
import { isSignedWebhook, participantEventOf } from "./webhook.ts";

/** Where the service is mounted: the path lk-jwt-service deployments put it at behind a reverse proxy. */
export const LIVEKIT_JWT_PREFIX = "/livekit/jwt";

/** The one thing the service needs from rooms: whether a user of this server is joined to a room. */
export type IsJoinedMember = (roomId: string, userId: string) => boolean;

export interface LiveKitAuthorizationDeps {
  config: Pick<Config, "server_name" | "matrix_rtc">;
  openId: Pick<OpenId, "openIdUserInfo">;
  isJoinedMember: IsJoinedMember;
  /** The delayed events (MSC4140) leave delegation restarts and sends. */
  delayedEvents: DelayedEventActions;
  logger: Logger;
  clock: Clock;
}

interface VerifiedUser {
  userId: string;
  /** lk-jwt-service's "full access": may create LiveKit rooms and delegate leaves. */
  local: boolean;
}

const UNAUTHORIZED = "The request could not be authorised.";
const DELEGATION_NOT_FOR_REMOTE = "Delegation of delayed events is only supported for full access users";

export function createLiveKitAuthorization({
  config,
  openId,
  isJoinedMember,
  delayedEvents,
  logger,
  clock,
}: LiveKitAuthorizationDeps) {
  const { livekit_url: url, livekit_api_key: apiKey, livekit_api_secret: apiSecret } = config.matrix_rtc;
  const settings = url && apiKey && apiSecret ? { url, apiKey, apiSecret } : undefined;
  const roomService = settings && createRoomServiceClient(settings, clock);
  const delegation =
    roomService &&
    createLeaveDelegation({ delayedEvents, participantExists: roomService.participantExists, logger, clock });

  /** Every endpoint answers 404 M_UNRECOGNIZED when the service is not configured, as if it were not there. */
  function configured() {
    if (!settings || !roomService) throw unrecognized();
    return { settings, roomService };
  }

  async function verifyOpenIdToken(token: CheckedOpenIdToken, claimedUserId?: string): Promise<VerifiedUser> {
    const local = token.matrix_server_name === config.server_name;
    let userId: string;
    try {
      userId = local
        ? openId.openIdUserInfo(token.access_token).sub
        : await lookupOpenIdUserInfo(token.matrix_server_name, token.access_token);
    } catch (error) {
      logger.info("livekit: OpenID token refused", {
        server: token.matrix_server_name,
        reason: error instanceof Error ? error.message : String(error),
      });
      throw new MatrixError("M_UNAUTHORIZED", UNAUTHORIZED);
    }
    if (claimedUserId !== undefined && claimedUserId !== userId) throw new MatrixError("M_UNAUTHORIZED", UNAUTHORIZED);
    return { userId, local };
  }

  function requireJoined(user: VerifiedUser, roomId: string): void {
    if (user.local && !isJoinedMember(roomId, user.userId)) throw forbidden("You are not joined to this room");
  }

  /** Exists whenever the service is configured (its callers have checked that). */
  function requireDelegation() {
    if (!delegation) throw unrecognized();
    return delegation;
  }

  async function grantAccess(
    user: VerifiedUser,
    room: string,
    identity: string,
    delay: RequestedDelegation | undefined,
  ): Promise<SfuResponse> {
    const { settings, roomService } = configured();
    if (delay && !user.local) throw new MatrixError("M_BAD_JSON", DELEGATION_NOT_FOR_REMOTE);
    const jwt = mintJoinToken(settings, room, identity, clock.now());
    if (user.local) {
      const leaves = delay && requireDelegation();
      try {
        await roomService.createRoom(room);
      } catch (error) {
        logger.error("livekit: CreateRoom failed", {
          room,
          error: error instanceof Error ? error.message : String(error),
        });
        throw new MatrixError("M_UNKNOWN", "Unable to create room on SFU", {}, 500);
      }
      if (leaves && delay) leaves.delegate({ room, identity, ...delay });
    }
    return { url: settings.url, jwt };
  }

  return {
    /** POST /sfu/get: identity `@user:server:DEVICE`, the room call's LiveKit room. */
    async requestLegacyToken(body: LegacySfuRequest): Promise<SfuResponse> {
      configured();
      const request = checkLegacySfuRequest(body);
      const user = await verifyOpenIdToken(request.openIdToken);
      requireJoined(user, request.room);
      const room = liveKitRoomAlias(request.room, ROOM_CALL_SLOT);
      return grantAccess(user, room, legacyLiveKitIdentity(user.userId, request.deviceId), request.delay);
    },

    /** POST /get_token: the member must be the token's user; identity and room are hashed. */
    async requestToken(body: SfuRequest): Promise<SfuResponse> {
      configured();
      const request = checkSfuRequest(body);
      const user = await verifyOpenIdToken(request.openIdToken, request.member.claimed_user_id);
      requireJoined(user, request.roomId);
      const identity = liveKitIdentity(user.userId, request.member.claimed_device_id, request.member.id);
      return grantAccess(user, liveKitRoomAlias(request.roomId, request.slotId), identity, request.delay);
    },

    /** POST /delegate_delayed_leave: for a participant already connected; no token, no room creation. */
    async delegateDelayedLeave(body: SfuRequest): Promise<Record<string, never>> {
      configured();
      const request = checkDelegateDelayedLeaveRequest(body);
      const user = await verifyOpenIdToken(request.openIdToken, request.member.claimed_user_id);
      if (!user.local) throw forbidden(DELEGATION_NOT_FOR_REMOTE);
      requireJoined(user, request.roomId);
      const identity = liveKitIdentity(user.userId, request.member.claimed_device_id, request.member.id);
      requireDelegation().delegate({
        room: liveKitRoomAlias(request.roomId, request.slotId),
        identity,
        ...request.delay,
      });
      return {};
    },

    /** POST /sfu_webhook: LiveKit's participant events, signed with our API key, drive leave delegation. */
    receiveSfuWebhook(body: unknown, authorization: string | undefined): Record<string, never> {
      const { settings } = configured();
      // Any other content type was parsed on the way in, and a signature over parsed JSON cannot be checked.
      if (typeof body !== "string")
        throw new MatrixError("M_NOT_JSON", "A LiveKit webhook must be sent as application/webhook+json");
      if (!isSignedWebhook(body, authorization, settings, clock.now())) {
        throw new MatrixError("M_UNAUTHORIZED", "The webhook is not signed with this server's LiveKit API key");
      }
      const event = participantEventOf(body);
      if (event?.kind === "joined") delegation?.participantJoined(event.room, event.identity);
      if (event?.kind === "left") delegation?.participantLeft(event.room, event.identity, event.intentionally);
      return {};
    },

    /** GET /healthz: answers when the service is configured. */
    checkHealth(): void {
      configured();
    },

    /** Stops leave-delegation timers at shutdown. */
    close(): void {
      delegation?.close();
    },
  };
}

export type LiveKitAuthorization = ReturnType<typeof createLiveKitAuthorization>;
