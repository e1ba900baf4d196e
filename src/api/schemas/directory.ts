/**
 * The room descriptions of the published room directory and the room summary
 * (definitions/public_rooms_chunk.yaml, definitions/room_summary.yaml).
 */
import { t } from "elysia";

export const RoomAliasParam = t.String({ pattern: "^#", description: "A room alias, `#localpart:server`." });

const publishedRoomFields = {
  room_id: t.String(),
  num_joined_members: t.Integer(),
  world_readable: t.Boolean(),
  guest_can_join: t.Boolean(),
  name: t.Optional(t.String()),
  topic: t.Optional(t.String({ description: "The plain-text topic (text/plain of m.topic, else `topic`)." })),
  avatar_url: t.Optional(t.String()),
  canonical_alias: t.Optional(t.String()),
  join_rule: t.Optional(t.String()),
  room_type: t.Optional(t.String()),
};

export const PublishedRoomSchema = t.Object(publishedRoomFields, {
  description: "A room of the published room directory.",
});

export const PublicRoomsResponse = t.Object({
  chunk: t.Array(PublishedRoomSchema),
  next_batch: t.Optional(t.String()),
  prev_batch: t.Optional(t.String()),
  total_room_count_estimate: t.Optional(t.Integer()),
});

const summaryFields = {
  ...publishedRoomFields,
  room_version: t.String(),
  encryption: t.Optional(t.String()),
  allowed_room_ids: t.Optional(t.Array(t.String())),
  membership: t.Optional(
    t.String({ description: "The requester's membership (leave when none); absent without authentication." }),
  ),
};

export const RoomSummarySchema = t.Object(summaryFields, { description: "A summary of a room (MSC3266)." });

/** The unstable endpoints also name the version and encryption with MSC3266's prefix, which older clients read. */
export const UnstableRoomSummarySchema = t.Object({
  ...summaryFields,
  "im.nheko.summary.room_version": t.String(),
  "im.nheko.summary.encryption": t.Optional(t.String()),
});
