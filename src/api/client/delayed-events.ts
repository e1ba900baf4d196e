/**
 * Delayed events (MSC4140), in every shape clients use:
 * - scheduling with `?org.matrix.msc4140.delay=<ms>` on PUT /send and /state (those routes
 *   live with the room engine and use `delayedSchedule` below), or MSC4140's final
 *   PUT /rooms/{roomId}/delayed_event/{eventType}/{txnId};
 * - managing: POST …/delayed_events/{delay_id}/{restart|send|cancel} and the older
 *   POST …/delayed_events/{delay_id} with {"action"} (both without an access token: the
 *   delay_id is the capability), and the final, authenticated /v1/delayed_events/{delay_id}/{action};
 * - looking up: GET …/delayed_events and …/delayed_events/{delay_id}.
 * https://github.com/matrix-org/matrix-spec-proposals/pull/4140
 */
import { Elysia, t, type Static } from "elysia";
import type { DelayParameters } from "../../core/delayed-events/send-or-schedule.ts";
import { isDelayedEventAction } from "../../core/delayed-events/manage.ts";
import type { Services } from "../../core/services.ts";
import { MatrixError, unrecognized } from "../../errors.ts";
import type { EventContent } from "../../matrix/pdu.ts";
import { auth } from "../plugins/auth.ts";
import { EventContentSchema } from "../schemas/events.ts";
import { CLIENT_V1, CLIENT_V3, Empty, RoomIdParam } from "../schemas/common.ts";

const UNSTABLE = "/_matrix/client/unstable/org.matrix.msc4140";
const tags = ["Delayed events (MSC4140)"];

/** The query parameters PUT /send and /state accept for a delayed event. */
export const DelayQuery = t.Object({
  "org.matrix.msc4140.delay": t.Optional(
    t.String({
      pattern: "^[0-9]{1,15}$",
      description: "Send the event after this many milliseconds instead of now (MSC4140): the answer is {delay_id}.",
    }),
  ),
  "org.matrix.msc4140.parent_delay_id": t.Optional(
    t.String({ description: "An early MSC4140 draft's grouping of delayed events; not supported (400)." }),
  ),
});

const DelayIdField = t.String({ description: "The capability to restart, send or cancel the delayed event." });
export const DelayIdResponse = t.Object({ delay_id: DelayIdField });

/**
 * PUT /send and /state answer {event_id}, or {delay_id} for a delayed event. One object with
 * both optional: with `normalize: "typebox"`, cleaning against a union of closed objects
 * empties the response.
 */
export const EventOrDelayIdResponse = t.Object({
  event_id: t.Optional(t.String({ description: "The event sent." })),
  delay_id: t.Optional(DelayIdField),
});

/** PUT /send and /state: the MSC4140 query parameters, for core to decide between now and later. */
export const delayParameters = (query: Static<typeof DelayQuery>): DelayParameters => ({
  delay: query["org.matrix.msc4140.delay"],
  parentDelayId: query["org.matrix.msc4140.parent_delay_id"],
});

const DelayIdParams = t.Object({ delayId: t.String({ minLength: 1 }) });
const ActionParams = t.Object({ delayId: t.String({ minLength: 1 }), action: t.String() });
const DelayedEventItem = t.Object(
  {},
  {
    additionalProperties: t.Unknown(),
    description: "A delayed event: delay_id, room_id, type, state_key?, delay_ms, scheduled_at, content.",
  },
);

const PutBody = t.Object({
  delay_ms: t.Integer({ minimum: 1, description: "Milliseconds to wait before sending." }),
  state_key: t.Optional(t.String({ description: "Present for a state event." })),
  content: EventContentSchema,
});

const putDetail = (path: string) => ({
  summary: `PUT ${path}`,
  description:
    "Schedules an event (a state event with state_key) to be sent after delay_ms; answers {delay_id}. The same txnId answers the same delay_id. " +
    "The room must exist and the user be joined; authorization and power levels are checked when it is sent. " +
    "403 M_FORBIDDEN beyond [global.delayed_events] max_delay_ms; 429 M_LIMIT_EXCEEDED beyond max_per_user scheduled events.",
  tags,
});

const manageDescription =
  "restart: the timer starts again from now; send: sends it now (the room engine's error if refused, and it stays scheduled); cancel: it is never sent. ";

export const delayedEventRoutes = (services: Pick<Services, "sessions" | "delayedEvents">) => {
  const { delayedEvents } = services;
  const schedule = (
    requester: Parameters<typeof delayedEvents.schedule>[0],
    params: { roomId: string; eventType: string; txnId: string },
    body: Static<typeof PutBody>,
  ) =>
    delayedEvents.schedule(requester, {
      roomId: params.roomId,
      type: params.eventType,
      stateKey: body.state_key,
      content: body.content as EventContent,
      delayMs: body.delay_ms,
      api: "final",
      txnId: params.txnId,
    });
  const putParams = t.Object({
    roomId: RoomIdParam,
    eventType: t.String({ minLength: 1 }),
    txnId: t.String({ minLength: 1 }),
  });

  return new Elysia()
    .use(auth(services))
    .post(
      `${UNSTABLE}/delayed_events/:delayId/:action`,
      async ({ requester, params }) => {
        // complement: an unknown action in the path is an unknown endpoint.
        if (!isDelayedEventAction(params.action)) throw unrecognized();
        return delayedEvents.manage("unstable", requester, params.delayId, params.action);
      },
      {
        optionalAuth: true,
        params: ActionParams,
        response: Empty,
        detail: {
          summary: `POST ${UNSTABLE}/delayed_events/{delay_id}/{action}`,
          description:
            manageDescription +
            "No access token needed (the delay_id is the capability; lk-jwt-service calls it so). 404 M_NOT_FOUND unless scheduled, but send of a sent event is 200.",
          tags,
        },
      },
    )
    .post(
      `${UNSTABLE}/delayed_events/:delayId`,
      async ({ requester, params, body }) => {
        if (body.action === undefined) throw new MatrixError("M_MISSING_PARAM", "'action' is missing");
        if (!isDelayedEventAction(body.action))
          throw new MatrixError("M_INVALID_PARAM", "'action' is not one of 'restart', 'send', 'cancel'");
        return delayedEvents.manage("unstable", requester, params.delayId, body.action);
      },
      {
        optionalAuth: true,
        params: DelayIdParams,
        response: Empty,
        body: t.Object({ action: t.Optional(t.String()) }, { additionalProperties: t.Unknown() }),
        detail: {
          summary: `POST ${UNSTABLE}/delayed_events/{delay_id}`,
          description:
            'The older form with {"action": "restart"|"send"|"cancel"} in the body (Element X). ' +
            manageDescription +
            "No access token needed.",
          tags,
        },
      },
    )
    .get(
      `${UNSTABLE}/delayed_events`,
      ({ requester, query }) => delayedEvents.listUnstable(requester.user_id, query.status, query.delay_id ?? []),
      {
        auth: "guest",
        query: t.Object({ status: t.Optional(t.String()), delay_id: t.Optional(t.Array(t.String())) }),
        response: t.Object({
          delayed_events: t.Optional(t.Array(DelayedEventItem)),
          scheduled: t.Optional(t.Array(DelayedEventItem)),
          finalised: t.Optional(t.Array(DelayedEventItem)),
        }),
        detail: {
          summary: `GET ${UNSTABLE}/delayed_events`,
          description:
            "The user's delayed events: `delayed_events` and `scheduled` (soonest first), `finalised` (sent, cancelled or failed, latest first, kept 7 days). " +
            "status=scheduled|finalised picks one; delay_id (repeatable) filters.",
          tags,
        },
      },
    )
    .get(
      `${UNSTABLE}/delayed_events/:delayId`,
      ({ requester, params }) => delayedEvents.lookup(requester.user_id, params.delayId, "unstable"),
      {
        auth: "guest",
        params: DelayIdParams,
        response: DelayedEventItem,
        detail: {
          summary: `GET ${UNSTABLE}/delayed_events/{delay_id}`,
          description:
            "One of the user's delayed events, with finalised_ts, event_id or error once finalised; 404 otherwise.",
          tags,
        },
      },
    )
    .put(
      `${UNSTABLE}/rooms/:roomId/delayed_event/:eventType/:txnId`,
      ({ requester, params, body }) => schedule(requester, params, body),
      {
        auth: "guest",
        params: putParams,
        body: PutBody,
        response: DelayIdResponse,
        detail: putDetail(`${UNSTABLE}/rooms/{roomId}/delayed_event/{eventType}/{txnId}`),
      },
    )
    .put(
      `${CLIENT_V3}/rooms/:roomId/delayed_event/:eventType/:txnId`,
      ({ requester, params, body }) => schedule(requester, params, body),
      {
        auth: "guest",
        params: putParams,
        body: PutBody,
        response: DelayIdResponse,
        detail: putDetail(`${CLIENT_V3}/rooms/{roomId}/delayed_event/{eventType}/{txnId}`),
      },
    )
    .post(
      `${CLIENT_V1}/delayed_events/:delayId/:action`,
      async ({ requester, params }) => {
        if (!isDelayedEventAction(params.action)) throw unrecognized();
        return delayedEvents.manage("v1", requester, params.delayId, params.action);
      },
      {
        auth: "guest",
        params: ActionParams,
        response: Empty,
        detail: {
          summary: `POST ${CLIENT_V1}/delayed_events/{delay_id}/{action}`,
          description:
            manageDescription +
            "The user's own events only (404 otherwise). Repeating the action that finalised it is 200; a conflicting one 409 M_UNKNOWN.",
          tags,
        },
      },
    )
    .get(`${CLIENT_V1}/delayed_events`, ({ requester }) => delayedEvents.listV1(requester.user_id), {
      auth: "guest",
      response: t.Object({ delayed_events: t.Array(DelayedEventItem) }),
      detail: {
        summary: `GET ${CLIENT_V1}/delayed_events`,
        description: "The user's scheduled delayed events, soonest first.",
        tags,
      },
    })
    .get(
      `${CLIENT_V1}/delayed_events/:delayId`,
      ({ requester, params }) => delayedEvents.lookup(requester.user_id, params.delayId, "v1"),
      {
        auth: "guest",
        params: DelayIdParams,
        response: DelayedEventItem,
        detail: {
          summary: `GET ${CLIENT_V1}/delayed_events/{delay_id}`,
          description:
            "One of the user's delayed events, with finalised_ts, event_id or error once finalised; 404 otherwise.",
          tags,
        },
      },
    );
};
