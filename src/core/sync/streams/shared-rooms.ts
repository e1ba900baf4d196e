/**
 * "Does this user share a room with me?" for the few users a presence or device-list change
 * names, asked per user; for many, the whole set is read once.
 */
import type { Stores } from "../../../storage/index.ts";

const PER_USER_LIMIT = 20;

export function createSharedRooms(stores: Pick<Stores, "memberships">) {
  return {
    /** The candidates that share a joined room with `userId` (or are `userId`). */
    sharingWith(userId: string, candidates: Iterable<string>): Set<string> {
      const list = [...new Set(candidates)];
      if (list.length <= PER_USER_LIMIT) {
        return new Set(list.filter((other) => other === userId || stores.memberships.selectSharesRoom(userId, other)));
      }
      const sharing = new Set(stores.memberships.selectUsersSharingRoomWith(userId));
      return new Set(list.filter((other) => other === userId || sharing.has(other)));
    },
  };
}

export type SharedRooms = ReturnType<typeof createSharedRooms>;
