/**
 * The notifier: /sync long-polls parked per user, and the after-commit signals that wake
 * them (new room events, typing, receipts, presence, account data, push rules, to-device
 * messages, device lists). Everything lives in memory; nothing polls the database. A wake
 * only says "look again": the woken request recomputes its response from its `since`
 * token, so a spurious wake costs one empty computation and a missed one cannot happen as
 * long as every writer signals after its commit. Modelled on Dendrite's syncapi/notifier.
 */
import { EventType } from "../../matrix/event-types.ts";
import type { AppendedEvent } from "../rooms/appended-event.ts";

export interface NotifierDeps {
  /** The joined members of a room, read once per room; member events keep the copy current. */
  joinedMembersOf: (roomId: string) => string[];
  /** Users sharing a joined room with the user (the user included). */
  usersSharingRoomWith: (userId: string) => string[];
}

interface Waiter {
  deviceId: string;
  wake: () => void;
}

export function createNotifier(deps: NotifierDeps) {
  const waiters = new Map<string, Set<Waiter>>();
  /** Joined members per room, for the rooms an event, typing or receipt touched. */
  const roomMembers = new Map<string, Set<string>>();
  let closed = false;
  let parked = 0;

  function membersOf(roomId: string): Set<string> {
    let members = roomMembers.get(roomId);
    if (members === undefined) {
      members = new Set(deps.joinedMembersOf(roomId));
      roomMembers.set(roomId, members);
    }
    return members;
  }

  function wakeUser(userId: string, deviceId?: string): void {
    const parkedHere = waiters.get(userId);
    if (parkedHere === undefined) return;
    for (const waiter of parkedHere) if (deviceId === undefined || waiter.deviceId === deviceId) waiter.wake();
  }

  function wakeUsers(userIds: Iterable<string>): void {
    if (parked === 0) return;
    for (const userId of userIds) wakeUser(userId);
  }

  return {
    /**
     * Parks until woken, until `timeoutMs` passes, until `signal` aborts (the client went
     * away) or until close. The waiter is registered before this returns, so a caller that
     * computed an empty response in the same synchronous turn cannot miss a wake.
     */
    wait(userId: string, deviceId: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
      if (closed || signal?.aborted) return Promise.resolve();
      return new Promise<void>((resolve) => {
        let set = waiters.get(userId);
        if (set === undefined) waiters.set(userId, (set = new Set()));
        const parkedHere = set;
        const waiter: Waiter = {
          deviceId,
          wake: () => {
            clearTimeout(timer);
            signal?.removeEventListener("abort", waiter.wake);
            if (parkedHere.delete(waiter)) parked--;
            if (parkedHere.size === 0 && waiters.get(userId) === parkedHere) waiters.delete(userId);
            resolve();
          },
        };
        const timer = setTimeout(waiter.wake, Math.max(0, timeoutMs));
        signal?.addEventListener("abort", waiter.wake, { once: true });
        parkedHere.add(waiter);
        parked++;
      });
    },

    wakeUsers,
    /** A to-device message reaches one device only. */
    wakeDevice: (userId: string, deviceId: string) => wakeUser(userId, deviceId),
    /** Typing and public receipts concern every joined member of the room. */
    wakeRoom(roomId: string): void {
      if (parked > 0) wakeUsers(membersOf(roomId));
    },
    /** Presence and device-list changes concern everyone who shares a room with the user. */
    wakeUsersSharingRoomWith(userId: string): void {
      if (parked > 0) wakeUsers(deps.usersSharingRoomWith(userId));
    },

    /** After commit, for every appended event: keeps the member copy current and wakes the room (and the member event's subject). */
    eventAppended(event: Pick<AppendedEvent, "room_id" | "type" | "state_key" | "membership">): void {
      const subject = event.type === EventType.RoomMember ? event.state_key : undefined;
      const cached = roomMembers.get(event.room_id);
      if (subject !== undefined && cached !== undefined) {
        if (event.membership === "join") cached.add(subject);
        else cached.delete(subject);
      }
      if (parked === 0) return;
      wakeUsers(membersOf(event.room_id));
      if (subject !== undefined) wakeUser(subject);
    },

    /** Wakes every parked request and answers later ones at once: the server is stopping. */
    close(): void {
      closed = true;
      for (const set of [...waiters.values()]) for (const waiter of [...set]) waiter.wake();
    },

    isClosed: () => closed,

    /** How many requests are parked (tests, benchmarks). */
    parkedCount: () => parked,
  };
}

export type Notifier = ReturnType<typeof createNotifier>;
