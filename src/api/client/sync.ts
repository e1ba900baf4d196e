/**
 * GET /sync, the long-poll clients live on.
 * https://spec.matrix.org/v1.19/client-server-api/#get_matrixclientv3sync
 */
import { Elysia, t } from "elysia";
import type { Services } from "../../core/services.ts";
import { auth } from "../plugins/auth.ts";
import { CLIENT_V3 } from "../schemas/common.ts";

const EventBatch = t.Object({ events: t.Array(t.Object({}, { additionalProperties: t.Unknown() })) });
const SyncResponseShape = t.Object(
  {
    next_batch: t.String({
      description: "The `since` of the next request; also a `from` for /messages and /keys/changes.",
    }),
    rooms: t.Object({
      join: t.Record(t.String(), t.Object({}, { additionalProperties: t.Unknown() })),
      invite: t.Record(t.String(), t.Object({ invite_state: EventBatch })),
      knock: t.Record(t.String(), t.Object({ knock_state: EventBatch })),
      leave: t.Record(t.String(), t.Object({}, { additionalProperties: t.Unknown() })),
    }),
    presence: EventBatch,
    account_data: EventBatch,
    to_device: EventBatch,
    device_lists: t.Object({ changed: t.Array(t.String()), left: t.Array(t.String()) }),
    device_one_time_keys_count: t.Record(t.String(), t.Integer()),
    device_unused_fallback_key_types: t.Array(t.String()),
  },
  { description: "The sync response (sync.yaml)." },
);
// Documented, not validated: a response of every room's events would cost TypeBox's clean-and-check per event (see schemas/events.ts).
const SyncResponseSchema = t.Unknown(JSON.parse(JSON.stringify(SyncResponseShape)) as object);

export const syncRoutes = (services: Pick<Services, "sessions" | "sync">) =>
  new Elysia()
    .use(auth(services))
    .get(`${CLIENT_V3}/sync`, ({ requester, query, request }) => services.sync.sync(requester, query, request.signal), {
      auth: "guest",
      query: t.Object({
        since: t.Optional(t.String()),
        timeout: t.Optional(t.Integer({ minimum: 0 })),
        filter: t.Optional(t.String()),
        full_state: t.Optional(t.Boolean()),
        set_presence: t.Optional(t.Union([t.Literal("offline"), t.Literal("online"), t.Literal("unavailable")])),
        use_state_after: t.Optional(t.Boolean()),
        "org.matrix.msc4222.use_state_after": t.Optional(t.Boolean()),
      }),
      response: SyncResponseSchema,
      detail: {
        summary: "GET /_matrix/client/v3/sync",
        description:
          "Everything new for the user since `since` (all of it without): rooms joined, invited, knocked and left, with timeline, state, " +
          "ephemeral events, account data, unread counts and summary; presence, account data, to-device messages, device lists and key counts. " +
          "With `timeout` an empty answer waits until something concerning the user commits. `use_state_after` " +
          "(or `org.matrix.msc4222.use_state_after`) replaces `state` by MSC4222's `state_after`, present even when empty. " +
          "An invalid `since` is 400 M_INVALID_PARAM; one ahead of the server is answered from the server's position.",
        tags: ["Room participation"],
      },
    });
