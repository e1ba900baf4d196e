/**
 * The filter schema of POST /user/{userId}/filter and /sync's `filter`, transcribed from
 * the spec's definitions/sync_filter.yaml, room_event_filter.yaml and event_filter.yaml.
 * Unknown keys are kept (clients send unstable MSC keys the sync code may honour).
 * https://spec.matrix.org/v1.19/client-server-api/#filtering
 */
import { Type, type Static } from "@sinclair/typebox";

const open = { additionalProperties: Type.Unknown() };
const UserIds = Type.Array(Type.String({ pattern: "^@" }));
const RoomIds = Type.Array(Type.String({ pattern: "^!" }));

const eventFilterProperties = {
  limit: Type.Optional(Type.Integer({ description: "The maximum number of events to return." })),
  not_senders: Type.Optional(UserIds),
  not_types: Type.Optional(Type.Array(Type.String())),
  senders: Type.Optional(UserIds),
  types: Type.Optional(Type.Array(Type.String())),
};

export const EventFilter = Type.Object(eventFilterProperties, { ...open, title: "EventFilter" });

export const RoomEventFilter = Type.Object(
  {
    ...eventFilterProperties,
    unread_thread_notifications: Type.Optional(Type.Boolean()),
    lazy_load_members: Type.Optional(Type.Boolean()),
    include_redundant_members: Type.Optional(Type.Boolean()),
    not_rooms: Type.Optional(RoomIds),
    rooms: Type.Optional(RoomIds),
    contains_url: Type.Optional(Type.Boolean()),
  },
  { ...open, title: "RoomEventFilter" },
);

export const RoomFilter = Type.Object(
  {
    not_rooms: Type.Optional(RoomIds),
    rooms: Type.Optional(RoomIds),
    ephemeral: Type.Optional(RoomEventFilter),
    include_leave: Type.Optional(Type.Boolean()),
    state: Type.Optional(RoomEventFilter),
    timeline: Type.Optional(RoomEventFilter),
    account_data: Type.Optional(RoomEventFilter),
  },
  { ...open, title: "RoomFilter" },
);

export const Filter = Type.Object(
  {
    event_fields: Type.Optional(Type.Array(Type.String())),
    event_format: Type.Optional(Type.Union([Type.Literal("client"), Type.Literal("federation")])),
    presence: Type.Optional(EventFilter),
    account_data: Type.Optional(EventFilter),
    room: Type.Optional(RoomFilter),
  },
  { ...open, title: "Filter" },
);

export type Filter = Static<typeof Filter>;
