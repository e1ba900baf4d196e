/**
 * The m.room.power_levels rule of the authorization rules (rule 10 in v1–v5 and v12, rule 9 in
 * v6–v11): the new content must be well formed, and a sender may only change levels that are
 * not above their own, to values not above their own.
 * https://spec.matrix.org/v1.19/rooms/v12/#authorization-rules
 */
import { isJsonObject, type JsonValue } from "../canonical-json.ts";
import {
  parsePowerLevels,
  POWER_LEVEL_KEYS,
  powerLevelValue,
  roomCreators,
  type PowerLevels,
} from "../power-levels.ts";
import { powerLevelOf, reject, type AuthCheck } from "./auth-check.ts";
import { isValidUserId } from "../ids.ts";

/** A map property is absent or an object whose values all pass `isLevel`. */
function isLevelMap(value: JsonValue | undefined, isLevel: (name: string, level: JsonValue) => boolean): boolean {
  return (
    value === undefined || (isJsonObject(value) && Object.entries(value).every(([name, level]) => isLevel(name, level)))
  );
}

/** The well-formedness rules, which apply whether or not the room already has power levels. */
function checkContent(check: AuthCheck): void {
  const { pdu, rules, version } = check;
  const { content } = pdu;
  // v10+ (integerPowerLevels): every level must be an integer; strings are no longer accepted.
  if (rules.powerLevelsIntegers !== undefined) {
    const bad = POWER_LEVEL_KEYS.find((key) => content[key] !== undefined && !Number.isInteger(content[key]));
    if (bad !== undefined) reject(check, rules.powerLevelsIntegers, `${bad} is not an integer`);
  }
  if (rules.powerLevelsMaps !== undefined) {
    const isInteger = (_: string, level: JsonValue): boolean => Number.isInteger(level);
    if (!isLevelMap(content.events, isInteger) || !isLevelMap(content.notifications, isInteger)) {
      reject(check, rules.powerLevelsMaps, "events or notifications is not an object of integers");
    }
  }
  // Before v10 "integers (or a string that is an integer)"; powerLevelValue applies the version's reading.
  const isUserLevel = (user: string, level: JsonValue): boolean =>
    isValidUserId(user) && powerLevelValue(level, version) !== undefined;
  if (!isLevelMap(content.users, isUserLevel)) {
    reject(check, rules.powerLevelsUsers, "users is not an object of valid user ids to levels");
  }
  if (rules.powerLevelsCreators !== undefined && isJsonObject(content.users)) {
    const users = content.users;
    for (const creator of roomCreators(check.create.pdu, version)) {
      if (Object.hasOwn(users, creator))
        reject(check, rules.powerLevelsCreators, `room creator ${creator} is listed in users`);
    }
  }
}

/** Entries of a map property that were removed or changed, and that were added or changed. */
function changesIn(current: ReadonlyMap<string, number>, next: ReadonlyMap<string, number>) {
  return {
    previous: [...current].filter(([name, level]) => next.get(name) !== level),
    updated: [...next].filter(([name, level]) => current.get(name) !== level),
  };
}

function checkChanges(check: AuthCheck, current: PowerLevels, next: PowerLevels): void {
  const { pdu, rules, version } = check;
  const senderLevel = powerLevelOf(check, pdu.sender);

  for (const key of POWER_LEVEL_KEYS) {
    const [was, now] = [current[key], next[key]];
    if (was === now) continue;
    if (was !== undefined && was > senderLevel)
      reject(check, `${rules.powerLevelsLevels}.1`, `${key} is currently above the sender's level`);
    if (now !== undefined && now > senderLevel)
      reject(check, `${rules.powerLevelsLevels}.2`, `${key} would be above the sender's level`);
  }

  // From v6 `notifications` is guarded like `events`; before, anyone allowed to send the event could change it.
  const maps = version.limitNotificationsPowerLevels ? (["events", "notifications"] as const) : (["events"] as const);
  for (const map of maps) {
    const { previous, updated } = changesIn(current[map], next[map]);
    for (const [name, level] of previous) {
      if (level > senderLevel)
        reject(check, `${rules.powerLevelsMapsCurrent}.1`, `${map}["${name}"] is currently above the sender's level`);
    }
    for (const [name, level] of updated) {
      if (level > senderLevel)
        reject(check, `${rules.powerLevelsMapsNew}.1`, `${map}["${name}"] would be above the sender's level`);
    }
  }

  const { previous, updated } = changesIn(current.users, next.users);
  for (const [user, level] of previous) {
    // Equal levels cannot demote each other; the sender may always lower their own level.
    if (user !== pdu.sender && level >= senderLevel) {
      reject(check, `${rules.powerLevelsUsersCurrent}.1`, `${user} has a level not below the sender's`);
    }
  }
  for (const [user, level] of updated) {
    if (level > senderLevel)
      reject(check, `${rules.powerLevelsUsersNew}.1`, `${user} would be above the sender's level`);
  }
}

export function authorizePowerLevelsChange(check: AuthCheck): void {
  checkContent(check);
  if (check.powerLevels === undefined) return;
  checkChanges(check, check.powerLevels, parsePowerLevels(check.pdu.content, check.version));
}
