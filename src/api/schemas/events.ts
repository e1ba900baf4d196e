/** Room events in the client format (definitions/client_event.yaml), shared by every route that returns events. */
import { t } from "elysia";

/** Any JSON object: event content, state content, request bodies that are content. */
export const EventContentSchema = t.Object(
  {},
  { additionalProperties: t.Unknown(), description: "Event content: any JSON object." },
);

const ClientEventShape = t.Object(
  {
    content: EventContentSchema,
    event_id: t.String(),
    origin_server_ts: t.Integer(),
    room_id: t.String(),
    sender: t.String(),
    type: t.String(),
    state_key: t.Optional(t.String()),
    redacts: t.Optional(t.String()),
    unsigned: t.Optional(t.Object({}, { additionalProperties: t.Unknown() })),
  },
  { additionalProperties: t.Unknown(), description: "A room event in the client format." },
);

/**
 * Documented, not validated: the JSON schema above goes into the OpenAPI document, but the
 * response is not checked or cleaned against it. Events come from one serializer
 * (core/timeline/client-event.ts), and TypeBox's clean-and-check of open objects costs about
 * 2 µs per event, which doubled the cost of a /messages page (bench/send.ts).
 */
export const ClientEventSchema = t.Unknown(JSON.parse(JSON.stringify(ClientEventShape)) as object);

export const ClientEventList = t.Array(ClientEventSchema);
