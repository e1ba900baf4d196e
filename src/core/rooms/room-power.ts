/** The current power levels of a room, read for the checks the core makes before appending. */
import { EventType } from "../../matrix/event-types.ts";
import { namedPowerLevel, parsePowerLevels, roomCreators, userPowerLevel, type PowerLevelKey } from "../../matrix/power-levels.ts";
import type { RoomEngine } from "../timeline/append-event.ts";
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
