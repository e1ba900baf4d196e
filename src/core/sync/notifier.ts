/**
 * The notifier: /sync long-polls parked per user, and one method per after-commit signal
 * (onRoomEvent, onTyping, onReceipt, onToDevice, onDeviceListChange, onAccountData,
 * onPushRules, onPresence). Each moves its stream's head and wakes the long-polls it
 * concerns in one step, so a woken request always finds the head moved. Everything lives in
 * memory; nothing polls the database. A wake only says "look again": the woken request
 * rebuilds its response from its `since` token, so a spurious wake costs one empty build and
 * a missed one cannot happen as long as every writer signals after its commit. Modelled on
 * Dendrite's syncapi/notifier.
 */
import { EventType } from "../../matrix/event-types.ts";
import type { ReceiptRow } from "../../storage/receipts.ts";
import { ReceiptType } from "../ephemeral/receipts.ts";
import type { AppendedEvent } from "../rooms/appended-event.ts";
import type { RoomEventLog } from "./room-event-log.ts";
import type { Head } from "./stream.ts";
import type { ToDeviceStream } from "./streams/to-device.ts";

export interface NotifierDeps {
  /** The joined members of a room, read once per room; member events keep the copy current. */
  joinedMembersOf: (roomId: string) => string[];
  /** Users sharing a joined room with the user (the user included). */
  usersSharingRoomWith: (userId: string) => string[];
  /**
   * The heads the signals move, owned by the streams. Typing and presence have none here:
   * their services move their own positions before signalling.
   */
  heads: {
    events: Pick<RoomEventLog, "append">;
    receipts: Pick<Head, "advance">;
    accountData: Pick<Head, "advance">;
    pushRules: Pick<Head, "advance">;
    deviceLists: Pick<Head, "advance">;
    toDevice: Pick<ToDeviceStream, "delivered">;
  };
}

interface Waiter {
  deviceId: string;
  wake: () => void;
}

export function createNotifier(deps: NotifierDeps) {
  const { heads } = deps;
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

  /** Typing and public receipts concern every joined member of the room. */
  function wakeRoom(roomId: string): void {
    if (parked > 0) wakeUsers(membersOf(roomId));
  }

  /** Presence and device-list changes concern everyone who shares a room with the user. */
  function wakeUsersSharingRoomWith(userId: string): void {
    if (parked > 0) wakeUsers(deps.usersSharingRoomWith(userId));
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

    /** A room event committed: the log and head take it; the room's members (and a member event's subject) wake. */
    onRoomEvent(
      event: Pick<AppendedEvent, "stream_ordering" | "room_id" | "type" | "state_key" | "sender" | "membership">,
    ): void {
      heads.events.append(event);
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

    /** Someone started or stopped typing in a room (the typing service moved its position). */
    onTyping: wakeRoom,

    /** A receipt committed: a private one (m.read.private) wakes its owner, a public one the room. */
    onReceipt(receipt: Pick<ReceiptRow, "room_id" | "user_id" | "receipt_type" | "stream_pos">): void {
      heads.receipts.advance(receipt.stream_pos);
      if (receipt.receipt_type === ReceiptType.ReadPrivate) wakeUsers([receipt.user_id]);
      else wakeRoom(receipt.room_id);
    },

    /** A to-device message reached one device's inbox. */
    onToDevice(userId: string, deviceId: string): void {
      heads.toDevice.delivered(userId, deviceId);
      wakeUser(userId, deviceId);
    },

    /** A user's devices or keys changed, at this device-list position. */
    onDeviceListChange(userId: string, position: number): void {
      heads.deviceLists.advance(position);
      wakeUsersSharingRoomWith(userId);
    },

    onAccountData(userId: string, position: number): void {
      heads.accountData.advance(position);
      wakeUsers([userId]);
    },

    onPushRules(userId: string, position: number): void {
      heads.pushRules.advance(position);
      wakeUsers([userId]);
    },

    /** A user's presence changed (the presence service moved its position). */
    onPresence: wakeUsersSharingRoomWith,

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
