/**
 * Power levels: the content of `m.room.power_levels` as each room version reads it, and the
 * levels it implies for users, event types and notifications, with the spec's defaults.
 * https://spec.matrix.org/v1.19/client-server-api/#mroompower_levels
 */
import { isJsonObject, type JsonValue } from "./canonical-json.ts";
import type { EventContent, Pdu } from "./pdu.ts";
import type { RoomVersion } from "./room-versions.ts";

/** The properties that hold a single level, in the order the auth rules list them. */
export const POWER_LEVEL_KEYS = [
  "users_default",
  "events_default",
  "state_default",
  "ban",
  "redact",
  "kick",
  "invite",
] as const;
export type PowerLevelKey = (typeof POWER_LEVEL_KEYS)[number];

/** The properties that map a name (user id, event type, notification key) to a level. */
export const POWER_LEVEL_MAPS = ["users", "events", "notifications"] as const;
export type PowerLevelMap = (typeof POWER_LEVEL_MAPS)[number];

/**
 * The levels an `m.room.power_levels` event states explicitly. Absent properties stay absent
 * here: the auth rules compare what was "added, changed or removed", so the defaults are
 * applied only when a level is looked up.
 */
export type PowerLevels = Partial<Record<PowerLevelKey, number>> & Record<PowerLevelMap, ReadonlyMap<string, number>>;

/** Defaults when a property is missing — the same whether or not the room has a power levels event. */
const DEFAULT_LEVELS: Readonly<Record<PowerLevelKey, number>> = {
  users_default: 0,
  events_default: 0,
  // 50 even without an m.room.power_levels event since r0.5.0 (MSC1304); older text saying 0 was
  // removed in matrix-org/matrix-spec#1479.
  state_default: 50,
  ban: 50,
  redact: 50,
  kick: 50,
  invite: 0,
};

/** Without a power levels event, room versions 1–11 give the creator this level. */
const CREATOR_LEVEL_WITHOUT_POWER_LEVELS = 100;

/** The only notification key with a spec default. */
const ROOM_NOTIFICATION_DEFAULT = 50;

// Room versions 1–9 accept levels written as strings: optional surrounding whitespace, an
// optional sign, then base-10 digits (leading zeroes allowed).
// https://spec.matrix.org/v1.19/rooms/v9/#mroompower_levels-events-accept-values-as-strings
const STRINGY_LEVEL = /^\s*[+-]?[0-9]+\s*$/;

/**
 * One level as the room version reads it, or undefined when the value is not a level.
 * v10+ accept only integers. Earlier versions also accept integer strings, and v1–v5 (which do
 * not enforce canonical JSON) accept floats, truncated at the decimal point.
 * https://spec.matrix.org/v1.19/rooms/v5/#mroompower_levels-events-accept-values-as-floats
 */
export function powerLevelValue(value: JsonValue | undefined, version: RoomVersion): number | undefined {
  if (typeof value === "number") {
    if (version.integerPowerLevels) return Number.isInteger(value) ? value : undefined;
    return Number.isFinite(value) ? Math.trunc(value) : undefined;
  }
  if (typeof value === "string" && !version.integerPowerLevels && STRINGY_LEVEL.test(value)) {
    const level = Number(value.trim());
    return Number.isFinite(level) ? level : undefined;
  }
  return undefined;
}

function levelMap(value: JsonValue | undefined, version: RoomVersion): ReadonlyMap<string, number> {
  const levels = new Map<string, number>();
  if (!isJsonObject(value)) return levels;
  for (const [name, raw] of Object.entries(value)) {
    const level = powerLevelValue(raw, version);
    if (level !== undefined) levels.set(name, level);
  }
  return levels;
}

/**
 * Reads `m.room.power_levels` content. Values that are not levels in this room version are
 * treated as absent; the auth rules reject such events in the versions that forbid them, so
 * this leniency only matters for v1–v9 properties the rules never validate.
 */
export function parsePowerLevels(content: EventContent, version: RoomVersion): PowerLevels {
  const levels: PowerLevels = {
    users: levelMap(content.users, version),
    events: levelMap(content.events, version),
    notifications: levelMap(content.notifications, version),
  };
  for (const key of POWER_LEVEL_KEYS) {
    const level = powerLevelValue(content[key], version);
    if (level !== undefined) levels[key] = level;
  }
  return levels;
}

/** A single-valued level with its default: the spec's invite, kick, ban and redact levels, and the defaults. */
export function namedPowerLevel(key: PowerLevelKey, powerLevels: PowerLevels | undefined): number {
  return powerLevels?.[key] ?? DEFAULT_LEVELS[key];
}

/**
 * The room creators. v1–v10: `content.creator` of the create event; v11: its sender;
 * v12 adds `content.additional_creators`. https://spec.matrix.org/v1.19/rooms/v12/#authorization-rules
 */
export function roomCreators(createEvent: Pdu, version: RoomVersion): ReadonlySet<string> {
  if (!version.implicitRoomCreator) {
    const creator = createEvent.content.creator;
    return new Set(typeof creator === "string" ? [creator] : []);
  }
  const creators = new Set([createEvent.sender]);
  const additional = createEvent.content.additional_creators;
  if (version.privilegedCreators && Array.isArray(additional)) {
    for (const user of additional) if (typeof user === "string") creators.add(user);
  }
  return creators;
}

/**
 * A user's power level. In v12 the creators have infinite power and cannot be listed in
 * `users`; in earlier versions the creator has 100 only while the room has no power levels event.
 */
export function userPowerLevel(
  user: string,
  powerLevels: PowerLevels | undefined,
  createEvent: Pdu,
  version: RoomVersion,
): number {
  if (version.privilegedCreators && roomCreators(createEvent, version).has(user)) return Number.POSITIVE_INFINITY;
  if (powerLevels === undefined) {
    return roomCreators(createEvent, version).has(user)
      ? CREATOR_LEVEL_WITHOUT_POWER_LEVELS
      : DEFAULT_LEVELS.users_default;
  }
  return powerLevels.users.get(user) ?? namedPowerLevel("users_default", powerLevels);
}

/** The spec's "required power level" of an event type: `events`, else `state_default` or `events_default`. */
export function eventPowerLevel(type: string, isState: boolean, powerLevels: PowerLevels | undefined): number {
  return powerLevels?.events.get(type) ?? namedPowerLevel(isState ? "state_default" : "events_default", powerLevels);
}

/**
 * The level needed to trigger a notification of this kind (push rule condition
 * `sender_notification_permission`). Only `room` has a default; other unlisted keys have none.
 */
export function notificationPowerLevel(key: string, powerLevels: PowerLevels | undefined): number | undefined {
  return powerLevels?.notifications.get(key) ?? (key === "room" ? ROOM_NOTIFICATION_DEFAULT : undefined);
}
