/**
 * The built-in MatrixRTC authorization service, wire-compatible with element-hq/lk-jwt-service,
 * at the path lk-jwt-service deployments use behind a reverse proxy: `/livekit/jwt/…`.
 * Clients find it as the `livekit_service_url` of a transport. Not Matrix endpoints: no
 * access token (the OpenID token in the body is the credential), CORS from http-edge.
 * Every route answers 404 M_UNRECOGNIZED unless [global.matrix_rtc] sets the livekit_* keys.
 * https://github.com/element-hq/lk-jwt-service
 */
import { Elysia, t } from "elysia";
import { LIVEKIT_JWT_PREFIX, type LiveKitAuthorization } from "../core/voip/livekit/authorization.ts";

// Every field is optional in the schema: lk-jwt-service answers a missing field like an
// empty one, 400 M_BAD_JSON naming it, and the core keeps that wording.
const OpenIdToken = t.Object(
  {
    access_token: t.Optional(
      t.String({ description: "Required. The token from POST /user/{userId}/openid/request_token." }),
    ),
    token_type: t.Optional(t.String()),
    matrix_server_name: t.Optional(
      t.String({ description: "Required. The user's server, where the token is checked." }),
    ),
    expires_in: t.Optional(t.Integer()),
  },
  { description: "Required. The OpenID token exactly as the homeserver issued it." },
);

const DelayFields = {
  delay_id: t.Optional(
    t.String({
      description: "The delay_id of the caller's delayed leave event (MSC4140), to delegate its restarts and sending.",
    }),
  ),
  delay_timeout: t.Optional(
    t.Integer({ description: "That delayed event's delay in milliseconds; required with delay_id." }),
  ),
  delay_cs_api_url: t.Optional(t.String({ description: "Ignored (deprecated)." })),
};

const Member = t.Object(
  {
    id: t.Optional(t.String({ description: "Required. The MatrixRTC membership id." })),
    claimed_user_id: t.Optional(t.String({ description: "Required. Must be the OpenID token's user." })),
    claimed_device_id: t.Optional(t.String({ description: "Required. The member's device." })),
  },
  { description: "Required. The MatrixRTC member asking." },
);

const LegacySfuRequest = t.Object({
  room: t.Optional(t.String({ description: "Required. The Matrix room id of the call." })),
  openid_token: t.Optional(OpenIdToken),
  device_id: t.Optional(
    t.String({ description: "The caller's device; part of the LiveKit identity `@user:server:DEVICE`." }),
  ),
  ...DelayFields,
});

const SfuRequest = t.Object({
  room_id: t.Optional(t.String({ description: "Required. The Matrix room id of the call." })),
  slot_id: t.Optional(t.String({ description: 'Required. The MatrixRTC slot, "m.call#ROOM" for the room\'s call.' })),
  openid_token: t.Optional(OpenIdToken),
  member: t.Optional(Member),
  ...DelayFields,
});

const SfuResponse = t.Object({
  url: t.String({ description: "The LiveKit SFU to connect to (livekit_url)." }),
  jwt: t.String({ description: "The LiveKit access token, valid for an hour." }),
});

const tags = ["MatrixRTC authorization (LiveKit)"];

export const liveKitJwtRoutes = (liveKit: LiveKitAuthorization) =>
  new Elysia({ prefix: LIVEKIT_JWT_PREFIX })
    .post("/sfu/get", ({ body }) => liveKit.requestLegacyToken(body), {
      body: LegacySfuRequest,
      response: SfuResponse,
      detail: {
        summary: `POST ${LIVEKIT_JWT_PREFIX}/sfu/get`,
        description:
          "A LiveKit token for a room's call (legacy endpoint; Element Call's default mode). The identity is `@user:server:DEVICE`, the LiveKit room " +
          'unpadded base64 of SHA-256 of `["<room>","m.call#ROOM"]`. Our users must be joined and get the LiveKit room created; other servers\' users ' +
          "get a token only. 401 M_UNAUTHORIZED for a bad OpenID token, 403 M_FORBIDDEN when not joined, 400 M_BAD_JSON for missing fields.",
        tags,
      },
    })
    .post("/get_token", ({ body }) => liveKit.requestToken(body), {
      body: SfuRequest,
      response: SfuResponse,
      detail: {
        summary: `POST ${LIVEKIT_JWT_PREFIX}/get_token`,
        description:
          "A LiveKit token for a MatrixRTC slot (MSC4195, Matrix 2.0 mode). member.claimed_user_id must be the OpenID token's user. The identity is " +
          "unpadded base64 of SHA-256 of `[user_id, claimed_device_id, member.id]`, the LiveKit room that of `[room_id, slot_id]`.",
        tags,
      },
    })
    .post("/delegate_delayed_leave", ({ body }) => liveKit.delegateDelayedLeave(body), {
      body: SfuRequest,
      response: t.Object({}),
      detail: {
        summary: `POST ${LIVEKIT_JWT_PREFIX}/delegate_delayed_leave`,
        description:
          "Hands over a connected participant's delayed leave event (delay_id and delay_timeout required): restarted while they are connected, " +
          "sent when they leave. Only for this server's users (403 M_FORBIDDEN otherwise).",
        tags,
      },
    })
    .post("/sfu_webhook", ({ body, headers }) => liveKit.receiveSfuWebhook(body, headers.authorization), {
      // LiveKit signs the exact bytes it sends; http-edge leaves application/webhook+json unparsed for this.
      parse: "text",
      body: t.Unknown({
        description:
          "LiveKit's webhook event, as application/webhook+json (the raw text whose SHA-256 the token carries).",
      }),
      response: t.Object({}),
      detail: {
        summary: `POST ${LIVEKIT_JWT_PREFIX}/sfu_webhook`,
        description:
          "LiveKit's webhook receiver (`webhook.urls` in livekit.yaml): participant joined and left events drive leave delegation. " +
          "The Authorization token must be signed with livekit_api_key's secret and carry the body's SHA-256; 401 M_UNAUTHORIZED otherwise.",
        tags,
      },
    })
    .get(
      "/healthz",
      () => {
        liveKit.checkHealth();
        return "";
      },
      {
        detail: {
          summary: `GET ${LIVEKIT_JWT_PREFIX}/healthz`,
          description: "200 with an empty body when the service is configured, else 404 M_UNRECOGNIZED.",
          tags,
        },
      },
    );
