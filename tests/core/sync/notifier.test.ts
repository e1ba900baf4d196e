import { describe, expect, test } from "bun:test";
import { createNotifier } from "../../../src/core/sync/notifier.ts";
import type { AppendedEvent } from "../../../src/core/rooms/appended-event.ts";

function setup(members: Record<string, string[]> = {}) {
  const reads: string[] = [];
  const notifier = createNotifier({
    joinedMembersOf: (roomId) => {
      reads.push(roomId);
      return members[roomId] ?? [];
    },
    usersSharingRoomWith: (userId) => (userId === "@a:x" ? ["@a:x", "@b:x"] : [userId]),
  });
  return { notifier, reads };
}

const member = (roomId: string, userId: string, membership: string): Omit<AppendedEvent, "thread_id" | "pdu"> => ({
  room_id: roomId, event_id: `$${Math.random()}`, stream_ordering: 1, type: "m.room.member", state_key: userId, sender: userId, membership,
});

/** Whether the promise settled within a few milliseconds. */
async function settled(promise: Promise<void>, ms = 20): Promise<boolean> {
  return Promise.race([promise.then(() => true), Bun.sleep(ms).then(() => false)]);
}

describe("the sync notifier", () => {
  test("a parked wait ends on its timeout and is forgotten", async () => {
    const { notifier } = setup();
    const wait = notifier.wait("@a:x", "D", 30);
    expect(notifier.parkedCount()).toBe(1);
    expect(await settled(wait, 10)).toBe(false);
    expect(await settled(wait, 60)).toBe(true);
    expect(notifier.parkedCount()).toBe(0);
  });

  test("a room event wakes the room's joined members and the member event's subject, nobody else", async () => {
    const { notifier, reads } = setup({ "!r:x": ["@a:x", "@b:x"] });
    const [a, b, c, invitee] = ["@a:x", "@b:x", "@c:x", "@i:x"].map((user) => notifier.wait(user, "D", 5_000));
    notifier.eventAppended(member("!r:x", "@i:x", "invite"));
    expect(await settled(a!)).toBe(true);
    expect(await settled(b!)).toBe(true);
    expect(await settled(invitee!)).toBe(true);
    expect(await settled(c!)).toBe(false);
    expect(reads).toEqual(["!r:x"]);
    notifier.close();
  });

  test("member events keep the room's member copy current", async () => {
    const { notifier, reads } = setup({ "!r:x": ["@a:x"] });
    const first = notifier.wait("@z:x", "D", 5_000);
    notifier.eventAppended(member("!r:x", "@a:x", "join"));
    await settled(first);
    notifier.eventAppended(member("!r:x", "@c:x", "join"));
    notifier.eventAppended(member("!r:x", "@a:x", "leave"));
    const [a, c] = [notifier.wait("@a:x", "D", 5_000), notifier.wait("@c:x", "D", 5_000)];
    notifier.wakeRoom("!r:x");
    expect(await settled(c)).toBe(true);
    expect(await settled(a)).toBe(false);
    expect(reads).toEqual(["!r:x"]);
    notifier.close();
  });

  test("to-device wakes one device; presence and device lists wake users sharing a room", async () => {
    const { notifier } = setup();
    const [d1, d2, b] = [notifier.wait("@a:x", "D1", 5_000), notifier.wait("@a:x", "D2", 5_000), notifier.wait("@b:x", "D", 5_000)];
    notifier.wakeDevice("@a:x", "D1");
    expect(await settled(d1)).toBe(true);
    expect(await settled(d2)).toBe(false);
    notifier.wakeUsersSharingRoomWith("@a:x");
    expect(await settled(d2)).toBe(true);
    expect(await settled(b)).toBe(true);
  });

  test("an aborted request stops waiting; close answers everyone and every later wait at once", async () => {
    const { notifier } = setup();
    const controller = new AbortController();
    const aborted = notifier.wait("@a:x", "D", 5_000, controller.signal);
    controller.abort();
    expect(await settled(aborted)).toBe(true);
    const parked = notifier.wait("@b:x", "D", 5_000);
    notifier.close();
    expect(await settled(parked)).toBe(true);
    expect(await settled(notifier.wait("@c:x", "D", 5_000))).toBe(true);
    expect(notifier.isClosed()).toBe(true);
    expect(notifier.parkedCount()).toBe(0);
  });
});
