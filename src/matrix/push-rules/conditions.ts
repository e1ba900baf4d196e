/**
 * The push rule conditions and their semantics.
 * https://spec.matrix.org/v1.19/client-server-api/#conditions-1
 */
import { notificationPowerLevel } from "../power-levels.ts";
import { globMatches, literalMatches } from "./glob.ts";
import { propertyAt } from "./property-path.ts";
import type { PushCondition } from "./ruleset.ts";

/** The parts of an event the conditions read; PDUs and client-format events both fit. */
export interface PushEvent {
  readonly type: string;
  readonly sender: string;
  readonly content: object;
  readonly room_id?: string;
  readonly state_key?: string;
}

/** What the conditions need to know about the recipient and the room at the event. */
export interface PushContext {
  userId: string;
  /** The recipient's display name in the room (its member event), if any. */
  displayName: string | undefined;
  /** Joined members of the room. */
  memberCount: number;
  senderPowerLevel: number;
  /** `notifications` of the room's power levels, as `parsePowerLevels` reads it. */
  notificationPowerLevels: ReadonlyMap<string, number>;
}

const NO_LEVELS: ReadonlyMap<string, number> = new Map();
const MEMBER_COUNT = /^(==|<=|>=|<|>)?([0-9]+)$/;

/** The `is` of `room_member_count`: an optional operator (default `==`) and a decimal integer. */
export function parseMemberCount(is: string): { operator: string; count: number } | undefined {
  const match = MEMBER_COUNT.exec(is);
  if (!match?.[2]) return undefined;
  return { operator: match[1] ?? "==", count: Number(match[2]) };
}

/** Strings, booleans, null and integers in the canonical JSON range: what `event_property_*` compare. */
export function isPushScalar(value: unknown): value is string | number | boolean | null {
  return (
    value === null ||
    typeof value === "string" ||
    typeof value === "boolean" ||
    (typeof value === "number" && Number.isSafeInteger(value))
  );
}

function eventMatch(condition: PushCondition, event: PushEvent): boolean {
  if (typeof condition.key !== "string" || typeof condition.pattern !== "string") return false;
  const value = propertyAt(event, condition.key);
  if (typeof value !== "string") return false;
  return globMatches(condition.pattern, value, condition.key === "content.body" ? "words" : "whole");
}

function propertyIs(condition: PushCondition, event: PushEvent): boolean {
  if (typeof condition.key !== "string" || !isPushScalar(condition.value)) return false;
  const value = propertyAt(event, condition.key);
  return isPushScalar(value) && value === condition.value;
}

function propertyContains(condition: PushCondition, event: PushEvent): boolean {
  if (typeof condition.key !== "string" || !isPushScalar(condition.value)) return false;
  const value = propertyAt(event, condition.key);
  return Array.isArray(value) && value.some((item) => isPushScalar(item) && item === condition.value);
}

function containsDisplayName(event: PushEvent, context: PushContext): boolean {
  const body = propertyAt(event, "content.body");
  if (typeof body !== "string" || !context.displayName) return false;
  return literalMatches(context.displayName, body, "words");
}

function roomMemberCount(condition: PushCondition, context: PushContext): boolean {
  const parsed = typeof condition.is === "string" ? parseMemberCount(condition.is) : undefined;
  if (!parsed) return false;
  const { operator, count } = parsed;
  const members = context.memberCount;
  if (operator === "<") return members < count;
  if (operator === ">") return members > count;
  if (operator === "<=") return members <= count;
  if (operator === ">=") return members >= count;
  return members === count;
}

function senderNotificationPermission(condition: PushCondition, context: PushContext): boolean {
  if (typeof condition.key !== "string") return false;
  const required = notificationPowerLevel(condition.key, {
    users: NO_LEVELS,
    events: NO_LEVELS,
    notifications: context.notificationPowerLevels,
  });
  return required !== undefined && context.senderPowerLevel >= required;
}

/** Whether one condition holds. Unknown kinds never match, which disables their rule. */
export function conditionHolds(condition: PushCondition, event: PushEvent, context: PushContext): boolean {
  switch (condition.kind) {
    case "event_match":
      return eventMatch(condition, event);
    case "event_property_is":
      return propertyIs(condition, event);
    case "event_property_contains":
      return propertyContains(condition, event);
    case "contains_display_name":
      return containsDisplayName(event, context);
    case "room_member_count":
      return roomMemberCount(condition, context);
    case "sender_notification_permission":
      return senderNotificationPermission(condition, context);
    default:
      return false;
  }
}
