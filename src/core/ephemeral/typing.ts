/**
 * Typing notifications, kept in memory only: who is typing in each room until when, and a
 * position per room that moves with every change, so /sync sends a room's typing list
 * again only when it changed after the client's token. Expiry runs on one timer per room
 * with typing users.
 * https://spec.matrix.org/v1.19/client-server-api/#typing-notifications
 */
import { forbidden } from "../../errors.ts";
import { setTimer, type Clock } from "../clock.ts";
import type { Requester } from "../requester.ts";

/** When a client gives no timeout; Element sends 30 s. */
const DEFAULT_TIMEOUT_MS = 30_000;
/** A client cannot keep itself "typing" longer than this without renewing it. */
const MAX_TIMEOUT_MS = 120_000;

export interface TypingDeps {
  clock: Clock;
  isJoined: (roomId: string, userId: string) => boolean;
  /** Called after every change of a room's typing list (the sync notifier wakes the room). */
  onChange: (roomId: string) => void;
}

interface RoomTyping {
  /** user id → expiry time */
  users: Map<string, number>;
  position: number;
  cancelTimer: (() => void) | undefined;
}

export function createTyping({ clock, isJoined, onChange }: TypingDeps) {
  const rooms = new Map<string, RoomTyping>();
  // Positions start at the clock so that they only grow across restarts: a token handed out
  // by an earlier process never looks newer than what this one hands out.
  let position = clock.now();

  function roomOf(roomId: string): RoomTyping {
    let room = rooms.get(roomId);
    if (room === undefined) rooms.set(roomId, (room = { users: new Map(), position: 0, cancelTimer: undefined }));
    return room;
  }

  function changed(roomId: string, room: RoomTyping): void {
    room.position = ++position;
    schedule(roomId, room);
    onChange(roomId);
  }

  function schedule(roomId: string, room: RoomTyping): void {
    room.cancelTimer?.();
    room.cancelTimer = undefined;
    if (room.users.size === 0) return;
    const next = Math.min(...room.users.values());
    room.cancelTimer = setTimer(clock, () => expire(roomId), Math.max(0, next - clock.now()) + 1);
  }

  function expire(roomId: string): void {
    const room = rooms.get(roomId);
    if (room === undefined) return;
    room.cancelTimer = undefined;
    const now = clock.now();
    let removed = false;
    for (const [userId, expiry] of room.users) if (expiry <= now && room.users.delete(userId)) removed = true;
    if (removed) changed(roomId, room);
    else schedule(roomId, room);
  }

  return {
    /** PUT /rooms/{roomId}/typing/{userId}: only for oneself, only in a room one is joined to. */
    setTyping(requester: Requester, roomId: string, userId: string, typing: boolean, timeoutMs?: number): void {
      if (requester.user_id !== userId) throw forbidden("You cannot set another user's typing state");
      if (!isJoined(roomId, userId)) throw forbidden(`You are not joined to ${roomId}`);
      const room = roomOf(roomId);
      if (typing) {
        const wasTyping = room.users.has(userId);
        room.users.set(userId, clock.now() + Math.min(Math.max(timeoutMs ?? DEFAULT_TIMEOUT_MS, 0), MAX_TIMEOUT_MS));
        if (wasTyping) schedule(roomId, room);
        else changed(roomId, room);
      } else if (room.users.delete(userId)) {
        changed(roomId, room);
      }
    },

    /** The users typing in a room, if its list changed after `since` (undefined: unchanged). */
    typingSince(roomId: string, since: number): string[] | undefined {
      const room = rooms.get(roomId);
      if (room === undefined || room.position <= since) return undefined;
      return [...room.users.keys()];
    },

    /** The users typing in a room now. */
    typingIn: (roomId: string): string[] => [...(rooms.get(roomId)?.users.keys() ?? [])],

    position: () => position,

    /** Stops the expiry timers (shutdown). */
    close(): void {
      for (const room of rooms.values()) room.cancelTimer?.();
    },
  };
}

export type Typing = ReturnType<typeof createTyping>;
