/**
 * Checks on rules that users send (`PUT /pushrules/global/{kind}/{ruleId}` and `…/actions`):
 * a bad rule is refused with the field it got wrong, rather than stored and never matching.
 * Unknown condition kinds are kept: the spec says they never match, and clients use unstable ones.
 * https://spec.matrix.org/v1.19/client-server-api/#put_matrixclientv3pushrulesglobalkindruleid
 */
import type { JsonValue } from "../canonical-json.ts";
import { MatrixError } from "../../errors.ts";
import { isValidRoomId, isValidUserId } from "../ids.ts";
import { isPushScalar, parseMemberCount } from "./conditions.ts";
import { HISTORICAL_ACTIONS } from "./evaluate.ts";
import {
  isServerDefaultRuleId,
  type PushAction,
  type PushCondition,
  type PushRule,
  type PushRuleKind,
} from "./ruleset.ts";

/** The body of a rule PUT, after the route's schema has checked its shape. */
export interface NewPushRuleBody {
  actions: readonly unknown[];
  conditions?: readonly Record<string, unknown>[];
  pattern?: string;
}

/** Patterns and keys run against every event a user receives; keep them to a sane size. */
const MAX_PATTERN_LENGTH = 255;
/**
 * The spec sets no bounds; these are far above what clients send (Element's rules have one
 * to three conditions and two or three actions) and keep what a rule costs bounded: every
 * event is matched against every rule, and /sync sends the whole ruleset.
 */
export const MAX_RULE_CONDITIONS = 32;
export const MAX_RULE_ACTIONS = 16;
/** The stored actions or conditions as JSON, in characters; an event may have 65,536 bytes. */
export const MAX_RULE_JSON_LENGTH = 65_536;
const KNOWN_ACTIONS = new Set(["notify"]);

const invalid = (field: string, problem: string) => new MatrixError("M_BAD_JSON", `Invalid '${field}': ${problem}`);
const missing = (field: string) => new MatrixError("M_MISSING_PARAM", `Missing '${field}'`);

/** Ids of new rules: no leading dot (server-default), no slashes; room and sender rules are named by their room or user. */
export function validateNewRuleId(kind: PushRuleKind, ruleId: string): void {
  const refuse = (problem: string) => new MatrixError("M_INVALID_PARAM", `Invalid rule id '${ruleId}': ${problem}`);
  if (ruleId === "") throw refuse("it is empty");
  if (isServerDefaultRuleId(ruleId)) throw refuse("rule ids starting with '.' are reserved for server-default rules");
  if (ruleId.includes("/") || ruleId.includes("\\")) throw refuse("rule ids may not contain '/' or '\\'");
  if (kind === "room" && !isValidRoomId(ruleId)) throw refuse("the id of a room rule is the room id it applies to");
  if (kind === "sender" && !isValidUserId(ruleId)) throw refuse("the id of a sender rule is the user id it applies to");
}

/** The actions to store: each is "notify" or a `set_tweak`; historical actions are dropped. */
export function validateActions(actions: readonly unknown[], field = "actions"): PushAction[] {
  if (actions.length > MAX_RULE_ACTIONS) throw invalid(field, `more than ${MAX_RULE_ACTIONS} actions`);
  const kept: PushAction[] = [];
  actions.forEach((action, i) => {
    const where = `${field}[${i}]`;
    if (typeof action === "string") {
      if (HISTORICAL_ACTIONS.has(action)) return;
      if (!KNOWN_ACTIONS.has(action)) throw invalid(where, `unknown action "${action}"`);
      kept.push(action);
      return;
    }
    if (typeof action !== "object" || action === null || Array.isArray(action))
      throw invalid(where, "an action is a string or an object");
    const { set_tweak, value } = action as { set_tweak?: unknown; value?: JsonValue };
    if (typeof set_tweak !== "string" || set_tweak === "")
      throw invalid(`${where}.set_tweak`, "an object action needs a set_tweak name");
    if (set_tweak === "highlight" && value !== undefined && typeof value !== "boolean")
      throw invalid(`${where}.value`, "highlight is a boolean");
    if (set_tweak === "sound" && value !== undefined && typeof value !== "string")
      throw invalid(`${where}.value`, "sound is a string");
    kept.push(value === undefined ? { set_tweak } : { set_tweak, value });
  });
  if (JSON.stringify(kept).length > MAX_RULE_JSON_LENGTH)
    throw invalid(field, `longer than ${MAX_RULE_JSON_LENGTH} characters as JSON`);
  return kept;
}

function requireString(condition: Record<string, unknown>, name: string, where: string): string {
  const value = condition[name];
  if (value === undefined) throw missing(`${where}.${name}`);
  if (typeof value !== "string") throw invalid(`${where}.${name}`, "must be a string");
  if (value.length > MAX_PATTERN_LENGTH)
    throw invalid(`${where}.${name}`, `longer than ${MAX_PATTERN_LENGTH} characters`);
  return value;
}

function validateCondition(condition: Record<string, unknown>, where: string): PushCondition {
  switch (condition.kind) {
    case "event_match":
      requireString(condition, "key", where);
      requireString(condition, "pattern", where);
      break;
    case "event_property_is":
    case "event_property_contains":
      requireString(condition, "key", where);
      if (!("value" in condition)) throw missing(`${where}.value`);
      if (!isPushScalar(condition.value)) throw invalid(`${where}.value`, "a string, an integer, a boolean or null");
      break;
    case "room_member_count":
      if (!parseMemberCount(requireString(condition, "is", where)))
        throw invalid(`${where}.is`, "an integer, optionally after ==, <, >, <= or >=");
      break;
    case "sender_notification_permission":
      requireString(condition, "key", where);
      break;
  }
  return condition as PushCondition;
}

/** The stored form of a new or replaced user rule of `kind`. */
export function newPushRule(kind: PushRuleKind, ruleId: string, body: NewPushRuleBody): PushRule {
  const rule = { rule_id: ruleId, default: false, enabled: true, actions: validateActions(body.actions) };
  if (kind === "content") {
    if (body.pattern === undefined) throw missing("pattern");
    if (body.pattern.length > MAX_PATTERN_LENGTH)
      throw invalid("pattern", `longer than ${MAX_PATTERN_LENGTH} characters`);
    return { ...rule, pattern: body.pattern };
  }
  if (kind === "override" || kind === "underride") {
    const conditions = body.conditions ?? [];
    if (conditions.length > MAX_RULE_CONDITIONS)
      throw invalid("conditions", `more than ${MAX_RULE_CONDITIONS} conditions`);
    const validated = conditions.map((condition, i) => validateCondition(condition, `conditions[${i}]`));
    // Unknown condition kinds are kept with all their fields: bound what gets stored.
    if (JSON.stringify(validated).length > MAX_RULE_JSON_LENGTH)
      throw invalid("conditions", `longer than ${MAX_RULE_JSON_LENGTH} characters as JSON`);
    return { ...rule, conditions: validated };
  }
  return rule;
}
