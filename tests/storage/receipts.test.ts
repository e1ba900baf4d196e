import { describe, expect, test } from "bun:test";
import type { NewReceipt } from "../../src/storage/receipts.ts";
import { memoryStores } from "../support/stores.ts";

const receipt = (room: string, user: string, eventStream: number, thread = ""): NewReceipt => ({
  room_id: room,
  receipt_type: "m.read",
  user_id: user,
  thread_id: thread,
  event_id: `$${eventStream}`,
  event_stream: eventStream,
  ts: eventStream * 10,
});

describe("receipt store", () => {
  test("one receipt per (room, type, user, thread): a new one replaces it at a new stream position", () => {
    const s = memoryStores();
    expect(s.receipts.selectMaxPosition()).toBe(0);
    const first = s.receipts.upsertReceipt(receipt("!r", "@a", 1));
    const threaded = s.receipts.upsertReceipt(receipt("!r", "@a", 2, "$root"));
    const second = s.receipts.upsertReceipt(receipt("!r", "@a", 3));
    expect([first < threaded, threaded < second]).toEqual([true, true]);
    expect(s.receipts.selectReceipt("!r", "m.read", "@a", "")).toEqual({
      stream_pos: second,
      ...receipt("!r", "@a", 3),
    });
    expect(s.receipts.selectReceipt("!r", "m.read", "@a", "$root")?.event_id).toBe("$2");
    expect(s.receipts.selectReceipt("!r", "m.read.private", "@a", "")).toBeUndefined();
    expect(s.receipts.selectMaxPosition()).toBe(second);
    // The replaced row is gone: between any positions, a key appears once, at its latest position.
    expect(s.receipts.selectReceiptsBetween(0, second).map((row) => row.stream_pos)).toEqual([threaded, second]);
  });

  test("receipts are read between positions, per room, and of several rooms up to a position, oldest first", () => {
    const s = memoryStores();
    const p1 = s.receipts.upsertReceipt(receipt("!a", "@a", 1));
    const p2 = s.receipts.upsertReceipt(receipt("!b", "@a", 2));
    const p3 = s.receipts.upsertReceipt(receipt("!a", "@b", 3));
    const p4 = s.receipts.upsertReceipt(receipt("!c", "@a", 4));
    expect(s.receipts.selectReceiptsBetween(p1, p3).map((row) => row.stream_pos)).toEqual([p2, p3]);
    expect(s.receipts.selectRoomReceiptsBetween("!a", 0, p4).map((row) => row.user_id)).toEqual(["@a", "@b"]);
    expect(s.receipts.selectRoomReceiptsBetween("!a", p1, p4).map((row) => row.user_id)).toEqual(["@b"]);
    expect(s.receipts.selectReceiptsOfRooms(["!a", "!c"], p3).map((row) => row.stream_pos)).toEqual([p1, p3]);
    expect(s.receipts.selectReceiptsOfRooms([], p4)).toEqual([]);
  });
});
