/**
 * The power levels of a room upgrade: the old room's levels carried into the new room's
 * version, the upgrader raised while the state is copied (Synapse's approach: afterwards the
 * copied levels are restored), and the old room's levels closed to ordinary members.
 * https://spec.matrix.org/v1.19/client-server-api/#server-behaviour-16
 */
import type { JsonObject } from "../../matrix/canonical-json.ts";
import type { EventContent } from "../../matrix/pdu.ts";
import {
  namedPowerLevel,
  parsePowerLevels,
  POWER_LEVEL_KEYS,
  POWER_LEVEL_MAPS,
  type PowerLevels,
} from "../../matrix/power-levels.ts";
import type { RoomVersion } from "../../matrix/room-versions.ts";

/** The level that room versions before 12 give a room's creator. */
const CREATOR_LEVEL = 100;

export interface UpgradePowerLevels {
  /** The new room's power levels while its state is copied. */
  initial: EventContent;
  /** The levels to restore once it is, when they differ from `initial`. */
  final: EventContent | undefined;
}

export interface UpgradeParties {
  upgrader: string;
  /** The old room's creators (unlimited power in v12 rooms). */
  oldCreators: ReadonlySet<string>;
  /** The new room's creators: the upgrader and additional_creators (v12 and later). */
  newCreators: readonly string[];
}

/**
 * The old levels as integers (levels written as strings or floats, which versions before 10
 * accept, are converted, as the new version may refuse them), other keys kept as they are.
 */
function normalized(content: EventContent, levels: PowerLevels): JsonObject {
  const result: JsonObject = { ...content };
  for (const key of POWER_LEVEL_KEYS) {
    const level = levels[key];
    if (level === undefined) delete result[key];
    else result[key] = level;
  }
  for (const map of POWER_LEVEL_MAPS) {
    if (content[map] === undefined) continue;
    result[map] = Object.fromEntries(levels[map]);
  }
  return result;
}

function allLevels(levels: PowerLevels): number[] {
  return [
    ...POWER_LEVEL_KEYS.flatMap((key) => levels[key] ?? []),
    ...POWER_LEVEL_MAPS.flatMap((map) => [...levels[map].values()]),
  ];
}

/**
 * - Into v12 and later, the new creators have unlimited power and must not be listed in `users`.
 * - Out of a v12 room into an older version, the old creators keep the top level the levels name
 *   (at least 100), as creators of those versions had.
 * - Before v12, the upgrader needs the level of every state event copied and of bans, which
 *   they may lack as a moderator allowed to send tombstones: they hold it until the end.
 */
export function upgradePowerLevels(
  old: EventContent,
  oldVersion: RoomVersion,
  newVersion: RoomVersion,
  parties: UpgradeParties,
): UpgradePowerLevels {
  const levels = parsePowerLevels(old, oldVersion);
  const copied = normalized(old, levels);
  const users: JsonObject = Object.fromEntries(levels.users);
  if (oldVersion.privilegedCreators && !newVersion.privilegedCreators) {
    const top = Math.max(CREATOR_LEVEL, ...allLevels(levels));
    for (const creator of parties.oldCreators) users[creator] = top;
  }
  if (newVersion.privilegedCreators) {
    for (const creator of parties.newCreators) delete users[creator];
    return { initial: { ...copied, users }, final: undefined };
  }
  const final = { ...copied, users };
  const needed = Math.max(
    namedPowerLevel("state_default", levels),
    namedPowerLevel("ban", levels),
    ...levels.events.values(),
  );
  const current =
    typeof users[parties.upgrader] === "number"
      ? (users[parties.upgrader] as number)
      : namedPowerLevel("users_default", levels);
  if (current >= needed) return { initial: final, final: undefined };
  return { initial: { ...final, users: { ...users, [parties.upgrader]: needed } }, final };
}

/**
 * The old room's levels with sending and inviting raised to the greater of 50 and
 * users_default + 1, as the spec suggests; undefined when they already are.
 */
export function closedPowerLevels(old: EventContent, version: RoomVersion): EventContent | undefined {
  const levels = parsePowerLevels(old, version);
  const restricted = Math.max(50, namedPowerLevel("users_default", levels) + 1);
  const content: EventContent = { ...old };
  let changed = false;
  for (const key of ["invite", "events_default"] as const) {
    if (namedPowerLevel(key, levels) < restricted) {
      content[key] = restricted;
      changed = true;
    }
  }
  return changed ? content : undefined;
}
