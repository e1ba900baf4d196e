/** The current power levels of a room, read for the checks the core makes before appending. */
import { EventType } from "../../matrix/event-types.ts";
import {
  eventPowerLevel,
  namedPowerLevel,
  parsePowerLevels,
  roomCreators,
  userPowerLevel,
  type PowerLevelKey,
} from "../../matrix/power-levels.ts";
import type { RoomEngine } from "./room-engine.ts";
import type { RoomStores } from "./room-deps.ts";

export function roomPower(engine: RoomEngine, stores: Pick<RoomStores, "rooms">, roomId: string) {
  const room = stores.rooms.selectRoom(roomId);
  const create = engine.currentStateEvent(roomId, EventType.RoomCreate, "");
  if (!room || !create) return undefined;
  const version = engine.versionOf(room);
  const event = engine.currentStateEvent(roomId, EventType.RoomPowerLevels, "");
  const levels = event ? parsePowerLevels(event.pdu.content, version) : undefined;
  return {
    version,
    levels,
    creators: roomCreators(create.pdu, version),
    userLevel: (userId: string) => userPowerLevel(userId, levels, create.pdu, version),
    named: (key: PowerLevelKey) => namedPowerLevel(key, levels),
  };
}

export type RoomPower = NonNullable<ReturnType<typeof roomPower>>;

/** A server admin (users.is_admin): may manage any room's aliases and directory listing. */
export function isServerAdmin(deps: { stores: Pick<RoomStores, "accounts"> }, userId: string): boolean {
  return deps.stores.accounts.selectUser(userId)?.is_admin === 1;
}

/**
 * Who may change a room's entries in the directory (its listing, others' aliases): a joined
 * member allowed to send m.room.canonical_alias, Synapse's "moderator" rule.
 */
export function mayEditDirectoryEntries(
  deps: { engine: RoomEngine; stores: Pick<RoomStores, "rooms" | "memberships"> },
  userId: string,
  roomId: string,
): boolean {
  if (deps.stores.memberships.selectMembership(roomId, userId)?.membership !== "join") return false;
  const power = roomPower(deps.engine, deps.stores, roomId);
  return (
    power !== undefined && power.userLevel(userId) >= eventPowerLevel(EventType.RoomCanonicalAlias, true, power.levels)
  );
}
