/**
 * The VoIP module: TURN credentials.
 * https://spec.matrix.org/v1.19/client-server-api/#voice-over-ip
 */
import { Elysia, t } from "elysia";
import type { Services } from "../../core/services.ts";
import { auth } from "../plugins/auth.ts";

const TurnServer = t.Union([
  t.Object({
    username: t.String({
      description: "`<expiry unix seconds>:<user id>` with a shared secret, else the configured username.",
    }),
    password: t.String({
      description: "base64(HMAC-SHA1(secret, username)) with a shared secret, else the configured password.",
    }),
    uris: t.Array(t.String(), { description: "The TURN URIs, e.g. `turn:turn.example.org?transport=udp`." }),
    ttl: t.Integer({ description: "How long the credentials stay valid, in seconds." }),
  }),
  t.Object({}, { description: "No TURN server is configured." }),
]);

/**
 * The spec's v3 path, r0 for older clients, and the pre-r0 path Synapse still serves.
 * There has never been a v1 path for this endpoint.
 */
const turnServerRoute = (path: string) => ({
  auth: "guest" as const,
  response: TurnServer,
  detail: {
    summary: `GET ${path}`,
    description:
      "TURN credentials for the requesting user. With turn_secret they are time-limited (coturn's use-auth-secret scheme); " +
      "`{}` when no TURN server is configured. Guests only when turn_allow_guests is set.",
    tags: ["VoIP"],
  },
});

export const voipRoutes = (services: Pick<Services, "sessions" | "turn">) =>
  new Elysia()
    .use(auth(services))
    .get(
      "/_matrix/client/v3/voip/turnServer",
      ({ requester }) => services.turn.issueTurnCredentials(requester),
      turnServerRoute("/_matrix/client/v3/voip/turnServer"),
    )
    .get(
      "/_matrix/client/r0/voip/turnServer",
      ({ requester }) => services.turn.issueTurnCredentials(requester),
      turnServerRoute("/_matrix/client/r0/voip/turnServer"),
    )
    .get(
      "/_matrix/client/api/v1/voip/turnServer",
      ({ requester }) => services.turn.issueTurnCredentials(requester),
      turnServerRoute("/_matrix/client/api/v1/voip/turnServer"),
    );
