/**
 * The createRoom presets and the default power levels.
 * https://spec.matrix.org/v1.19/client-server-api/#post_matrixclientv3createroom
 */
import type { JsonObject } from "../../matrix/canonical-json.ts";
import { EventType } from "../../matrix/event-types.ts";
import type { RoomVersion } from "../../matrix/room-versions.ts";

export type Preset = "private_chat" | "public_chat" | "trusted_private_chat";

export interface PresetState {
  join_rule: string;
  history_visibility: string;
  guest_access: string;
}

export const PRESETS: Readonly<Record<Preset, PresetState>> = {
  private_chat: { join_rule: "invite", history_visibility: "shared", guest_access: "can_join" },
  trusted_private_chat: { join_rule: "invite", history_visibility: "shared", guest_access: "can_join" },
  public_chat: { join_rule: "public", history_visibility: "shared", guest_access: "forbidden" },
};

/** MatrixRTC call membership (Element Call): the state event of the current era and the sticky event of the next. */
const RTC_MEMBER_TYPES = [EventType.CallMember, EventType.RtcMember];

export interface PowerLevelInput {
  version: RoomVersion;
  creator: string;
  preset: Preset;
  isDirect: boolean;
  /** trusted_private_chat invitees: the creator's level before v12 (from v12 they are additional creators). */
  invitees: readonly string[];
}

/**
 * The power levels a new room starts with, before `power_level_content_override`. The levels
 * are Synapse's, so rooms behave as clients expect. Two additions:
 * - private, trusted-private and direct rooms let every member (level 0) send call
 *   membership, so Element Call works in them without a moderator (element-call.md R10);
 * - from v12 tombstones need more than state_default (the spec requires it), and the
 *   creators are not listed in `users`: their power is unlimited.
 */
export function defaultPowerLevels({ version, creator, preset, isDirect, invitees }: PowerLevelInput): JsonObject {
  const users: JsonObject = {};
  if (!version.privilegedCreators) {
    users[creator] = 100;
    if (preset === "trusted_private_chat") for (const invitee of invitees) users[invitee] = 100;
  }
  const events: JsonObject = {
    [EventType.RoomName]: 50,
    [EventType.RoomPowerLevels]: 100,
    [EventType.RoomHistoryVisibility]: 100,
    [EventType.RoomCanonicalAlias]: 50,
    [EventType.RoomAvatar]: 50,
    [EventType.RoomTombstone]: version.privilegedCreators ? 150 : 100,
    [EventType.RoomServerAcl]: 100,
    [EventType.RoomEncryption]: 100,
  };
  if (preset !== "public_chat" || isDirect) for (const type of RTC_MEMBER_TYPES) events[type] = 0;
  return {
    users,
    users_default: 0,
    events,
    events_default: 0,
    state_default: 50,
    ban: 50,
    kick: 50,
    redact: 50,
    // Synapse's presets: anyone may invite into private rooms, moderators into public ones.
    invite: preset === "public_chat" ? 50 : 0,
  };
}
