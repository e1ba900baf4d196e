/**
 * The application service extensions of the client-server API that are routes of their own.
 * https://spec.matrix.org/v1.19/application-service-api/#client-server-api-extensions
 */
import { Elysia, t } from "elysia";
import type { Services } from "../../core/services.ts";
import { auth } from "../plugins/auth.ts";

const tags = ["Application services"];

export const appservicePingRoutes = (services: Pick<Services, "sessions" | "appservices">) =>
  new Elysia()
    .use(auth(services))
    .post(
      "/_matrix/client/v1/appservice/:appserviceId/ping",
      ({ requester, params, body }) => services.appservices.ping(requester, params.appserviceId, body.transaction_id),
      {
        auth: "appservice",
        params: t.Object({ appserviceId: t.String() }),
        body: t.Object({ transaction_id: t.Optional(t.String()) }),
        response: t.Object({ duration_ms: t.Integer() }),
        detail: {
          summary: "POST /_matrix/client/v1/appservice/{appserviceId}/ping",
          description:
            "Calls the appservice's POST /_matrix/app/v1/ping with its hs_token and the transaction_id, and answers the round trip " +
            "in duration_ms. Only that appservice's as_token may ask (403 M_FORBIDDEN). Failures: 400 M_URL_NOT_SET (url: null), " +
            "502 M_BAD_STATUS with status and body, 502 M_CONNECTION_FAILED, 504 M_CONNECTION_TIMEOUT.",
          tags,
        },
      },
    );
