/**
 * The redaction algorithm: what of an event survives a redaction, per room version.
 * It also defines what the reference hash (and so v3+ event IDs) and the event signature
 * cover, so it must match other servers byte for byte.
 *
 * Key lists from the room version pages:
 * - v1: https://spec.matrix.org/v1.19/rooms/v1/#redactions
 * - v6: `m.room.aliases` loses its protected `aliases` key.
 * - v8: `m.room.join_rules` keeps `allow`.
 * - v9: `m.room.member` keeps `join_authorised_via_users_server`.
 * - v11: https://spec.matrix.org/v1.19/rooms/v11/#redactions — `origin`, `membership` and
 *   `prev_state` are no longer kept; create keeps all content; power levels keep `invite`;
 *   redaction keeps `redacts`; member keeps `third_party_invite.signed`.
 */
import type { JsonValue } from "./canonical-json.ts";
import { EventType } from "./event-types.ts";
import type { EventContent, Pdu } from "./pdu.ts";
import type { RoomVersion } from "./room-versions.ts";

type RedactionRules = RoomVersion["redaction"];

const KEPT_TOP_LEVEL_KEYS = [
  "event_id",
  "type",
  "room_id",
  "sender",
  "state_key",
  "content",
  "hashes",
  "signatures",
  "depth",
  "prev_events",
  "auth_events",
  "origin_server_ts",
] as const;

/** Kept before room version 11 only. */
const KEPT_TOP_LEVEL_KEYS_BEFORE_V11 = ["prev_state", "origin", "membership"] as const;

const ORDER: readonly RedactionRules[] = ["v1", "v6", "v8", "v9", "v11"];

function atLeast(rules: RedactionRules, since: RedactionRules): boolean {
  return ORDER.indexOf(rules) >= ORDER.indexOf(since);
}

/** The content keys an event type keeps, or "all". Types not listed keep nothing. */
function keptContentKeys(type: unknown, rules: RedactionRules): readonly string[] | "all" {
  switch (type) {
    case EventType.RoomMember:
      return atLeast(rules, "v9") ? ["membership", "join_authorised_via_users_server"] : ["membership"];
    case EventType.RoomCreate:
      return atLeast(rules, "v11") ? "all" : ["creator"];
    case EventType.RoomJoinRules:
      return atLeast(rules, "v8") ? ["join_rule", "allow"] : ["join_rule"];
    case EventType.RoomPowerLevels: {
      const keys = ["ban", "events", "events_default", "kick", "redact", "state_default", "users", "users_default"];
      return atLeast(rules, "v11") ? [...keys, "invite"] : keys;
    }
    case EventType.RoomAliases:
      return atLeast(rules, "v6") ? [] : ["aliases"];
    case EventType.RoomHistoryVisibility:
      return ["history_visibility"];
    case EventType.RoomRedaction:
      return atLeast(rules, "v11") ? ["redacts"] : [];
    default:
      return [];
  }
}

function isObject(value: unknown): value is Record<string, JsonValue> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function redactContent(type: unknown, content: unknown, rules: RedactionRules): EventContent {
  if (!isObject(content)) return {};
  const kept = keptContentKeys(type, rules);
  if (kept === "all") return { ...content };
  const redacted: EventContent = {};
  for (const key of kept) {
    const value = content[key];
    if (value !== undefined) redacted[key] = value;
  }
  // v11 keeps `third_party_invite` when it is an object, reduced to its `signed` key,
  // which the auth rules need to check the invite (MSC3821).
  const invite = content.third_party_invite;
  if (type === EventType.RoomMember && atLeast(rules, "v11") && isObject(invite)) {
    redacted.third_party_invite = invite.signed === undefined ? {} : { signed: invite.signed };
  }
  return redacted;
}

/**
 * Redacts an event object as received (unvalidated JSON): keys not in the version's
 * keep-list are dropped, `unsigned` included, and `content` is reduced per type.
 */
export function redactEventJson(
  event: Readonly<Record<string, unknown>>,
  version: RoomVersion,
): Record<string, unknown> {
  const rules = version.redaction;
  const keptKeys: readonly string[] = atLeast(rules, "v11")
    ? KEPT_TOP_LEVEL_KEYS
    : [...KEPT_TOP_LEVEL_KEYS, ...KEPT_TOP_LEVEL_KEYS_BEFORE_V11];
  const redacted: Record<string, unknown> = {};
  for (const key of keptKeys) {
    if (key !== "content" && Object.hasOwn(event, key)) redacted[key] = event[key];
  }
  redacted.content = redactContent(event.type, event.content, rules);
  return redacted;
}

/** Redacts a PDU. The result is still a PDU: every required key is on every keep-list. */
export function redactPdu(pdu: Pdu, version: RoomVersion): Pdu {
  return redactEventJson(pdu as unknown as Record<string, unknown>, version) as unknown as Pdu;
}
