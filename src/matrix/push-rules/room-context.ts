/**
 * The push context of every recipient of one event, from the room state at the event: what
 * the room engine has at hand when it appends. The sender's level is worked out once.
 */
import type { Pdu } from "../pdu.ts";
import { userPowerLevel, type PowerLevels } from "../power-levels.ts";
import type { RoomVersion } from "../room-versions.ts";
import type { PushContext } from "./conditions.ts";

export interface RoomPushState {
  version: RoomVersion;
  createEvent: Pdu;
  /** Parsed `m.room.power_levels` content; undefined when the room has none. */
  powerLevels: PowerLevels | undefined;
  /** Joined members. */
  memberCount: number;
  /** Display names from the members' `m.room.member` events, by user id. */
  displayNames: ReadonlyMap<string, string>;
}

const NO_LEVELS: ReadonlyMap<string, number> = new Map();

export function pushContextsFor(sender: string, room: RoomPushState): (userId: string) => PushContext {
  const senderPowerLevel = userPowerLevel(sender, room.powerLevels, room.createEvent, room.version);
  const notificationPowerLevels = room.powerLevels?.notifications ?? NO_LEVELS;
  return (userId) => ({
    userId,
    displayName: room.displayNames.get(userId),
    memberCount: room.memberCount,
    senderPowerLevel,
    notificationPowerLevels,
  });
}
