import { describe, expect, test } from "bun:test";
import { createNotifier } from "../../../src/core/sync/notifier.ts";
import type { AppendedEvent } from "../../../src/core/rooms/appended-event.ts";
import { createRoomEventLog } from "../../../src/core/sync/room-event-log.ts";
import { createHead } from "../../../src/core/sync/stream.ts";
import { parseInlineFilter } from "../../../src/core/sync/sync-filter.ts";
import { emptyResponse, type SyncContext } from "../../../src/core/sync/sync-response.ts";
import { createToDeviceStream } from "../../../src/core/sync/streams/to-device.ts";

/** A to-device inbox per device, as positions only: what the to-device stream reads of its head. */
function inboxes() {
  const heads = new Map<string, number>();
  const key = (userId: string, deviceId: string) => `${userId}|${deviceId}`;
  return {
    deliver: (userId: string, deviceId: string) =>
      heads.set(key(userId, deviceId), (heads.get(key(userId, deviceId)) ?? 0) + 1),
    inboxPosition: (userId: string, deviceId: string) => heads.get(key(userId, deviceId)) ?? 0,
    messagesFor: () => ({ events: [], nextPosition: 0 }),
    acknowledge: () => 0,
  };
}

function setup(members: Record<string, string[]> = {}) {
  const reads: string[] = [];
  const inbox = inboxes();
  const heads = {
    events: createRoomEventLog(0),
    receipts: createHead(0),
    accountData: createHead(0),
    pushRules: createHead(0),
    deviceLists: createHead(0),
    toDevice: createToDeviceStream(inbox),
  };
  const notifier = createNotifier({
    joinedMembersOf: (roomId) => {
      reads.push(roomId);
      return members[roomId] ?? [];
    },
    usersSharingRoomWith: (userId) => (userId === "@a:x" ? ["@a:x", "@b:x"] : [userId]),
    heads,
  });
  return { notifier, reads, heads, inbox };
}

const member = (roomId: string, userId: string, membership: string): Omit<AppendedEvent, "thread_id" | "pdu"> => ({
  room_id: roomId,
  event_id: `$${Math.random()}`,
  stream_ordering: 1,
  type: "m.room.member",
  state_key: userId,
  sender: userId,
  membership,
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
    notifier.onRoomEvent(member("!r:x", "@i:x", "invite"));
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
    notifier.onRoomEvent(member("!r:x", "@a:x", "join"));
    await settled(first);
    notifier.onRoomEvent(member("!r:x", "@c:x", "join"));
    notifier.onRoomEvent(member("!r:x", "@a:x", "leave"));
    const [a, c] = [notifier.wait("@a:x", "D", 5_000), notifier.wait("@c:x", "D", 5_000)];
    notifier.onTyping("!r:x");
    expect(await settled(c)).toBe(true);
    expect(await settled(a)).toBe(false);
    expect(reads).toEqual(["!r:x"]);
    notifier.close();
  });

  test("to-device wakes one device; presence and device lists wake users sharing a room", async () => {
    const { notifier } = setup();
    const [d1, d2, b] = [
      notifier.wait("@a:x", "D1", 5_000),
      notifier.wait("@a:x", "D2", 5_000),
      notifier.wait("@b:x", "D", 5_000),
    ];
    notifier.onToDevice("@a:x", "D1");
    expect(await settled(d1)).toBe(true);
    expect(await settled(d2)).toBe(false);
    notifier.onPresence("@a:x");
    expect(await settled(d2)).toBe(true);
    expect(await settled(b)).toBe(true);
    const [a, c] = [notifier.wait("@a:x", "D", 5_000), notifier.wait("@c:x", "D", 5_000)];
    notifier.onDeviceListChange("@b:x", 1);
    expect(await settled(a)).toBe(false);
    notifier.onDeviceListChange("@a:x", 2);
    expect(await settled(a)).toBe(true);
    expect(await settled(c)).toBe(false);
    notifier.close();
  });

  test("each signal moves its stream's head before the long-polls it wakes look again", async () => {
    const { notifier, heads, inbox } = setup({ "!r:x": ["@a:x", "@b:x"] });
    const viewer = { user_id: "@a:x", device_id: "D" };
    const headsSeen: number[] = [];
    const woken = (userId: string, head: () => number) =>
      notifier.wait(userId, "D", 5_000).then(() => void headsSeen.push(head()));

    const onEvent = woken("@b:x", heads.events.latest);
    notifier.onRoomEvent({
      room_id: "!r:x",
      stream_ordering: 7,
      type: "m.room.message",
      state_key: undefined,
      sender: "@a:x",
      membership: undefined,
    });
    await onEvent;
    const onReceipt = woken("@b:x", heads.receipts.latest);
    notifier.onReceipt({ room_id: "!r:x", user_id: "@a:x", receipt_type: "m.read", stream_pos: 3 });
    await onReceipt;
    const onAccountData = woken("@a:x", heads.accountData.latest);
    notifier.onAccountData("@a:x", 4);
    await onAccountData;
    const onPushRules = woken("@a:x", heads.pushRules.latest);
    notifier.onPushRules("@a:x", 5);
    await onPushRules;
    const onDeviceLists = woken("@b:x", heads.deviceLists.latest);
    notifier.onDeviceListChange("@a:x", 6);
    await onDeviceLists;
    expect(headsSeen).toEqual([7, 3, 4, 5, 6]);

    // A private receipt wakes its owner only, and still moves the head.
    const [owner, other] = [notifier.wait("@a:x", "D", 5_000), notifier.wait("@b:x", "D", 5_000)];
    notifier.onReceipt({ room_id: "!r:x", user_id: "@a:x", receipt_type: "m.read.private", stream_pos: 8 });
    expect(await settled(owner)).toBe(true);
    expect(await settled(other)).toBe(false);
    expect(heads.receipts.latest()).toBe(8);

    // The to-device head: an inbox found empty is not read again until onToDevice says a message arrived.
    inbox.deliver("@a:x", "D");
    expect(heads.toDevice.latest(viewer, 0)).toBe(1);
    inbox.deliver("@a:x", "D");
    const ctx: SyncContext = {
      viewer,
      filter: parseInlineFilter("{}"),
      since: undefined,
      fullState: false,
      stateKey: "state",
      recentEvents: undefined,
      response: emptyResponse(),
      to: { events: 7, receipts: 8, accountData: 4, pushRules: 5, toDevice: 2, deviceLists: 6, typing: 0, presence: 0 },
      rooms: { joined: new Map(), newlyJoined: new Set(), newlyLeft: new Set(), pending: [], left: [] },
    };
    expect(heads.toDevice.build(ctx, 2, 2)).toBe(2);
    inbox.deliver("@a:x", "D");
    expect(heads.toDevice.latest(viewer, 2)).toBe(2);
    notifier.onToDevice("@a:x", "D");
    expect(heads.toDevice.latest(viewer, 2)).toBe(3);
    notifier.close();
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
