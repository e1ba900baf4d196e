/**
 * The device-list stream: a user moves to its head whenever their devices, device keys or
 * cross-signing keys change, so other users' clients know to query their keys again.
 * https://spec.matrix.org/v1.19/client-server-api/#tracking-the-device-list-for-a-user
 */
import { MatrixError } from "../../errors.ts";
import type { Stores } from "../../storage/index.ts";
import type { Requester } from "../requester.ts";
import type { Signal } from "../signal.ts";

export interface DeviceListDependencies {
  /** Users who share a room with `userId` (membership join on both sides); from the rooms engine. */
  usersSharingRoomWith: (userId: string) => string[];
  /** The device-list stream position inside a /sync token, or undefined if it is not one. */
  streamPositionOf: (token: string) => number | undefined;
  /** Membership changes between two /sync tokens: users who started sharing a room with the user, and who stopped (from sync). */
  membershipChangesBetween?: (
    userId: string,
    from: string,
    to: string,
  ) => { changed: string[]; left: string[] } | undefined;
}

export function createDeviceLists(
  stores: Pick<Stores, "deviceLists" | "transaction">,
  /** Emitted after commit with a user whose device list changed (sync wakes those sharing a room, appservices catch up). */
  changed: Pick<Signal<string>, "emit">,
  dependencies: DeviceListDependencies,
) {
  function position(token: string, name: string): number {
    const value = dependencies.streamPositionOf(token);
    if (value === undefined) throw new MatrixError("M_INVALID_PARAM", `'${name}' is not a sync token`);
    return value;
  }

  return {
    /** Records a change inside the caller's transaction; call `announce` after it commits. */
    record(userId: string): number {
      return stores.deviceLists.upsertChange(userId);
    },

    announce(userIds: Iterable<string>): void {
      for (const userId of new Set(userIds)) changed.emit(userId);
    },

    /** The current head of the stream, for sync tokens. */
    deviceListPosition(): number {
      return stores.deviceLists.selectPosition();
    },

    /** Every user whose device list changed after `sinceExclusive` (up to the current head). Sync filters by shared rooms. */
    deviceListChangesSince(sinceExclusive: number): string[] {
      return stores.deviceLists.selectChangedUsers(sinceExclusive, Number.MAX_SAFE_INTEGER);
    },

    /**
     * GET /keys/changes: users who share a room with the requester (or are the requester)
     * and changed between the two tokens, or started sharing a room with them; `left`: users
     * who stopped sharing any room with them (membership history from sync).
     */
    keysChanges(requester: Requester, from: string, to: string): { changed: string[]; left: string[] } {
      const since = position(from, "from");
      const upTo = position(to, "to");
      const visible = new Set(dependencies.usersSharingRoomWith(requester.user_id));
      visible.add(requester.user_id);
      const changed = new Set(
        stores.deviceLists.selectChangedUsers(since, upTo).filter((userId) => visible.has(userId)),
      );
      const membership = dependencies.membershipChangesBetween?.(requester.user_id, from, to);
      for (const userId of membership?.changed ?? []) changed.add(userId);
      return { changed: [...changed], left: membership?.left ?? [] };
    },
  };
}

export type DeviceLists = ReturnType<typeof createDeviceLists>;
