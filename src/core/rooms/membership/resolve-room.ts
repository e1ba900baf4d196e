/** Room ids and aliases as the membership endpoints accept them. */
import { MatrixError } from "../../../errors.ts";
import type { RoomDeps } from "../room-deps.ts";

/**
 * `!room` or `#alias` to a room this server knows. Without federation a room is joinable
 * only if it lives here, so `server_name`/`via` are not needed.
 */
export function resolveRoomIdOrAlias(deps: Pick<RoomDeps, "stores">, roomIdOrAlias: string): string {
  if (roomIdOrAlias.startsWith("#")) {
    const roomId = deps.stores.aliases.selectRoomIdByAlias(roomIdOrAlias);
    if (roomId === undefined) throw new MatrixError("M_NOT_FOUND", `Room alias ${roomIdOrAlias} not found`);
    return roomId;
  }
  if (!roomIdOrAlias.startsWith("!")) throw new MatrixError("M_INVALID_PARAM", "Expected a room id or a room alias");
  if (!deps.stores.rooms.selectRoom(roomIdOrAlias)) {
    throw new MatrixError(
      "M_NOT_FOUND",
      `Room ${roomIdOrAlias} is not known to this server, and it cannot join rooms over federation yet`,
    );
  }
  return roomIdOrAlias;
}

/** For actions by members on a room: unknown rooms answer like rooms the user is not in. */
export function requireKnownRoom(deps: Pick<RoomDeps, "stores">, roomId: string, userId: string): void {
  if (!deps.stores.rooms.selectRoom(roomId)) throw new MatrixError("M_FORBIDDEN", `${userId} is not in room ${roomId}`);
}
