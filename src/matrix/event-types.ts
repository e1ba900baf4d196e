/**
 * The event types the server reads, writes or routes, so that no type string is spelled
 * out anywhere else. Names follow the spec's event schemas:
 * https://spec.matrix.org/v1.19/client-server-api/#events
 */
export const EventType = {
  // State events that the authorisation rules look at.
  RoomCreate: "m.room.create",
  RoomMember: "m.room.member",
  RoomPowerLevels: "m.room.power_levels",
  RoomJoinRules: "m.room.join_rules",
  RoomThirdPartyInvite: "m.room.third_party_invite",

  // Other room state.
  RoomHistoryVisibility: "m.room.history_visibility",
  RoomName: "m.room.name",
  RoomTopic: "m.room.topic",
  RoomAvatar: "m.room.avatar",
  RoomCanonicalAlias: "m.room.canonical_alias",
  /** Historical: only room versions 1–5 give it meaning (auth rule and redaction). */
  RoomAliases: "m.room.aliases",
  RoomEncryption: "m.room.encryption",
  RoomGuestAccess: "m.room.guest_access",
  RoomServerAcl: "m.room.server_acl",
  RoomTombstone: "m.room.tombstone",
  RoomPinnedEvents: "m.room.pinned_events",
  SpaceChild: "m.space.child",
  SpaceParent: "m.space.parent",

  // Message-like room events.
  RoomRedaction: "m.room.redaction",
  RoomMessage: "m.room.message",
  RoomEncrypted: "m.room.encrypted",
  Sticker: "m.sticker",
  Reaction: "m.reaction",

  // VoIP (1:1 calls) and Element Call's group-call membership, which is state.
  CallInvite: "m.call.invite",
  CallCandidates: "m.call.candidates",
  CallAnswer: "m.call.answer",
  CallSelectAnswer: "m.call.select_answer",
  CallNegotiate: "m.call.negotiate",
  CallReject: "m.call.reject",
  CallHangup: "m.call.hangup",
  CallSdpStreamMetadataChanged: "m.call.sdp_stream_metadata_changed",
  /** MSC3401 (unstable), the state event Element Call uses for call membership. */
  CallMember: "org.matrix.msc3401.call.member",
  /** MSC4143/MSC4354, the sticky call membership of Element Call's matrix_2_0 mode. */
  RtcMember: "org.matrix.msc4143.rtc.member",

  // Ephemeral events (EDUs).
  Typing: "m.typing",
  Receipt: "m.receipt",
  Presence: "m.presence",

  // Account data.
  Direct: "m.direct",
  FullyRead: "m.fully_read",
  IgnoredUserList: "m.ignored_user_list",
  PushRules: "m.push_rules",
  Tag: "m.tag",

  // To-device.
  RoomKey: "m.room_key",
  RoomKeyRequest: "m.room_key_request",
  ForwardedRoomKey: "m.forwarded_room_key",
  Dummy: "m.dummy",
} as const;

export type KnownEventType = (typeof EventType)[keyof typeof EventType];
