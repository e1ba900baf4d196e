/**
 * The server-default push rules of spec v1.19, with the definitions and in the order the
 * spec lists them. v1.17 removed the legacy rules that looked for the user's name in the
 * body (`.m.rule.contains_display_name`, `.m.rule.contains_user_name`, `.m.rule.roomnotif`,
 * MSC4210); mentions now go through `m.mentions`.
 * https://spec.matrix.org/v1.19/client-server-api/#predefined-rules
 */
import { EventType } from "../event-types.ts";
import type { PushAction, PushCondition, PushRule, PushRuleset } from "./ruleset.ts";

const notify = "notify";
const sound = (value: string): PushAction => ({ set_tweak: "sound", value });
const highlight: PushAction = { set_tweak: "highlight" };
const eventMatch = (key: string, pattern: string): PushCondition => ({ kind: "event_match", key, pattern });

function rule(rule_id: string, conditions: PushCondition[], actions: PushAction[], enabled = true): PushRule {
  return { rule_id, default: true, enabled, conditions, actions };
}

/** The server-default ruleset for `userId` (two rules name the user). */
export function predefinedPushRules(userId: string): PushRuleset {
  return {
    override: [
      rule(".m.rule.master", [], [], false),
      rule(".m.rule.suppress_notices", [eventMatch("content.msgtype", "m.notice")], []),
      rule(
        ".m.rule.invite_for_me",
        [
          eventMatch("type", EventType.RoomMember),
          eventMatch("content.membership", "invite"),
          eventMatch("state_key", userId),
        ],
        [notify, sound("default")],
      ),
      rule(".m.rule.member_event", [eventMatch("type", EventType.RoomMember)], []),
      rule(
        ".m.rule.is_user_mention",
        [{ kind: "event_property_contains", key: "content.m\\.mentions.user_ids", value: userId }],
        [notify, sound("default"), highlight],
      ),
      rule(
        ".m.rule.is_room_mention",
        [
          { kind: "event_property_is", key: "content.m\\.mentions.room", value: true },
          { kind: "sender_notification_permission", key: "room" },
        ],
        [notify, highlight],
      ),
      rule(
        ".m.rule.tombstone",
        [eventMatch("type", EventType.RoomTombstone), eventMatch("state_key", "")],
        [notify, highlight],
      ),
      rule(".m.rule.reaction", [eventMatch("type", EventType.Reaction)], []),
      rule(".m.rule.room.server_acl", [eventMatch("type", EventType.RoomServerAcl), eventMatch("state_key", "")], []),
      rule(
        ".m.rule.suppress_edits",
        [{ kind: "event_property_is", key: "content.m\\.relates_to.rel_type", value: "m.replace" }],
        [],
      ),
    ],
    content: [],
    room: [],
    sender: [],
    underride: [
      rule(".m.rule.call", [eventMatch("type", EventType.CallInvite)], [notify, sound("ring")]),
      rule(
        ".m.rule.encrypted_room_one_to_one",
        [{ kind: "room_member_count", is: "2" }, eventMatch("type", EventType.RoomEncrypted)],
        [notify, sound("default")],
      ),
      rule(
        ".m.rule.room_one_to_one",
        [{ kind: "room_member_count", is: "2" }, eventMatch("type", EventType.RoomMessage)],
        [notify, sound("default")],
      ),
      rule(".m.rule.message", [eventMatch("type", EventType.RoomMessage)], [notify]),
      rule(".m.rule.encrypted", [eventMatch("type", EventType.RoomEncrypted)], [notify]),
    ],
  };
}
