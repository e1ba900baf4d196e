/**
 * MatrixRTC transport discovery for Element Call (MSC4143 / MSC4519).
 * https://github.com/matrix-org/matrix-spec-proposals/pull/4143
 */
import { Elysia, t } from "elysia";
import type { Services } from "../../core/services.ts";
import { auth } from "../plugins/auth.ts";
import { requestBaseUrl } from "../well-known.ts";

const RtcTransports = t.Object({
  rtc_transports: t.Array(
    t.Object(
      {
        type: t.String({ description: 'The transport type; "livekit" for Element Call.' }),
        livekit_service_url: t.Optional(
          t.String({ description: "The LiveKit authorization service clients get an SFU token from." }),
        ),
      },
      { additionalProperties: t.Unknown() },
    ),
  ),
});

// Authenticated as the MSC says (Synapse answers 401 without a token); guests are refused as in Synapse.
const transportsRoute = (path: string) => ({
  auth: "user" as const,
  response: RtcTransports,
  detail: {
    summary: `GET ${path}`,
    description:
      "The MatrixRTC transports (LiveKit authorization services) this server offers, in order of preference, from [global.matrix_rtc] transports; " +
      "with none configured and the livekit_* keys set, the built-in service at /livekit/jwt. An empty list when there are none.",
    tags: ["MatrixRTC"],
  },
});

export const rtcRoutes = (services: Pick<Services, "sessions" | "matrixRtc">) =>
  new Elysia()
    .use(auth(services))
    .get(
      "/_matrix/client/unstable/org.matrix.msc4143/rtc/transports",
      ({ request }) => services.matrixRtc.listTransports(requestBaseUrl(request)),
      transportsRoute("/_matrix/client/unstable/org.matrix.msc4143/rtc/transports"),
    )
    .get(
      "/_matrix/client/v1/rtc/transports",
      ({ request }) => services.matrixRtc.listTransports(requestBaseUrl(request)),
      transportsRoute("/_matrix/client/v1/rtc/transports"),
    );
