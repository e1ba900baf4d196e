/**
 * Push rules. For now every user has the spec's server-default rule set (matrix-js-sdk
 * stops syncing without push rules); storing user-defined rules and evaluating them comes
 * with the push issue, which replaces `get` with the stored rules merged over these.
 * https://spec.matrix.org/v1.19/client-server-api/#predefined-rules
 */

export type PushAction = string | { set_tweak: string; value?: unknown };

export interface PushCondition {
  kind: string;
  key?: string;
  pattern?: string;
  value?: unknown;
  is?: string;
}

export interface PushRule {
  rule_id: string;
  default: boolean;
  enabled: boolean;
  actions: PushAction[];
  conditions?: PushCondition[];
  pattern?: string;
}

export interface PushRuleset {
  content: PushRule[];
  override: PushRule[];
  room: PushRule[];
  sender: PushRule[];
  underride: PushRule[];
}

const notify = "notify";
const sound = (value: string): PushAction => ({ set_tweak: "sound", value });
const highlight: PushAction = { set_tweak: "highlight" };
const eventMatch = (key: string, pattern: string): PushCondition => ({ kind: "event_match", key, pattern });
const rule = (rule_id: string, conditions: PushCondition[], actions: PushAction[], enabled = true): PushRule => ({
  rule_id,
  default: true,
  enabled,
  conditions,
  actions,
});

/**
 * The server-default rules of spec v1.19, in the spec's order (v1.17 removed the legacy
 * rules that looked for the user's name in the body).
 */
export function defaultPushRules(userId: string): PushRuleset {
  return {
    override: [
      rule(".m.rule.master", [], [], false),
      rule(".m.rule.suppress_notices", [eventMatch("content.msgtype", "m.notice")], []),
      rule(
        ".m.rule.invite_for_me",
        [eventMatch("type", "m.room.member"), eventMatch("content.membership", "invite"), eventMatch("state_key", userId)],
        [notify, sound("default")],
      ),
      rule(".m.rule.member_event", [eventMatch("type", "m.room.member")], []),
      rule(".m.rule.is_user_mention", [{ kind: "event_property_contains", key: "content.m\\.mentions.user_ids", value: userId }], [notify, sound("default"), highlight]),
      rule(
        ".m.rule.is_room_mention",
        [{ kind: "event_property_is", key: "content.m\\.mentions.room", value: true }, { kind: "sender_notification_permission", key: "room" }],
        [notify, highlight],
      ),
      rule(".m.rule.tombstone", [eventMatch("type", "m.room.tombstone"), eventMatch("state_key", "")], [notify, highlight]),
      rule(".m.rule.reaction", [eventMatch("type", "m.reaction")], []),
      rule(".m.rule.room.server_acl", [eventMatch("type", "m.room.server_acl"), eventMatch("state_key", "")], []),
      rule(".m.rule.suppress_edits", [{ kind: "event_property_is", key: "content.m\\.relates_to.rel_type", value: "m.replace" }], []),
    ],
    content: [],
    room: [],
    sender: [],
    underride: [
      rule(".m.rule.call", [eventMatch("type", "m.call.invite")], [notify, sound("ring")]),
      rule(".m.rule.encrypted_room_one_to_one", [{ kind: "room_member_count", is: "2" }, eventMatch("type", "m.room.encrypted")], [notify, sound("default")]),
      rule(".m.rule.room_one_to_one", [{ kind: "room_member_count", is: "2" }, eventMatch("type", "m.room.message")], [notify, sound("default")]),
      rule(".m.rule.message", [eventMatch("type", "m.room.message")], [notify]),
      rule(".m.rule.encrypted", [eventMatch("type", "m.room.encrypted")], [notify]),
    ],
  };
}

export function createPushRules() {
  return {
    /** The user's global ruleset. */
    get(userId: string): PushRuleset {
      return defaultPushRules(userId);
    },
  };
}

export type PushRules = ReturnType<typeof createPushRules>;
