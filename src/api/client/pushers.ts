/**
 * Pushers: the push gateways a user's devices receive notifications through.
 * https://spec.matrix.org/v1.19/client-server-api/#client-behaviour-1
 */
import { Elysia, t } from "elysia";
import type { Services } from "../../core/services.ts";
import { auth } from "../plugins/auth.ts";

const tags = ["Push notifications"];

const PusherData = t.Object(
  {
    url: t.Optional(
      t.String({
        description: "Required for http pushers: the push gateway's https URL, path /_matrix/push/v1/notify.",
      }),
    ),
    format: t.Optional(t.String({ description: '"event_id_only" to send only ids and counts to the gateway.' })),
  },
  { additionalProperties: t.Unknown(), description: "Passed to the gateway (without url) with every notification." },
);
const Pusher = t.Object({
  pushkey: t.String(),
  kind: t.String(),
  app_id: t.String(),
  app_display_name: t.String(),
  device_display_name: t.String(),
  profile_tag: t.Optional(t.String()),
  lang: t.String(),
  data: PusherData,
});

export const pusherRoutes = (services: Pick<Services, "sessions" | "pushers">) =>
  new Elysia()
    .use(auth(services))
    .get("/_matrix/client/v3/pushers", ({ requester }) => services.pushers.listPushers(requester.user_id), {
      auth: "user",
      response: t.Object({ pushers: t.Array(Pusher) }),
      detail: { summary: "GET /_matrix/client/v3/pushers", description: "The user's pushers.", tags },
    })
    .post(
      "/_matrix/client/v3/pushers/set",
      ({ requester, body }) => {
        services.pushers.setPusher(requester, body);
        return {};
      },
      {
        auth: "user",
        body: t.Object({
          kind: t.Union([t.String(), t.Null()], {
            description: '"http" sets the pusher; null deletes it. Email pushers are not supported.',
          }),
          app_id: t.String({ description: "Reverse-DNS application id, at most 64 characters." }),
          pushkey: t.String({ description: "The device's routing token at its push provider, at most 512 bytes." }),
          app_display_name: t.Optional(t.String()),
          device_display_name: t.Optional(t.String()),
          profile_tag: t.Optional(t.String()),
          lang: t.Optional(t.String()),
          data: t.Optional(PusherData),
          append: t.Optional(
            t.Boolean({
              description: "Keep other users' pushers with the same app_id and pushkey (default false: remove them).",
            }),
          ),
        }),
        response: t.Object({}),
        detail: {
          summary: "POST /_matrix/client/v3/pushers/set",
          description:
            "Creates or updates the user's pusher for (app_id, pushkey), or deletes it with kind null. " +
            "Missing fields are 400 M_MISSING_PARAM listing them; a data.url that is not http(s) with path /_matrix/push/v1/notify is 400 M_INVALID_PARAM.",
          tags,
        },
      },
    );
