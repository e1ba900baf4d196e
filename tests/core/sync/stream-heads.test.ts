import { describe, expect, test } from "bun:test";
import { createStreamHeads } from "../../../src/core/sync/stream-heads.ts";
import type { AppendedEvent } from "../../../src/core/rooms/appended-event.ts";

const start = { events: 10, receipts: 1, accountData: 2, pushRules: 3, deviceLists: 4, typing: 5, presence: 6 };
const event = (stream: number, room = "!r:x", extra: Partial<AppendedEvent> = {}): Omit<AppendedEvent, "thread_id" | "pdu"> => ({
  room_id: room, event_id: `$${stream}`, stream_ordering: stream, type: "m.room.message", state_key: undefined, sender: "@a:x", membership: undefined, ...extra,
});

describe("stream heads", () => {
  test("start at the given positions and move with the signals, never back", () => {
    const heads = createStreamHeads(start);
    expect(heads.snapshot()).toEqual({ ...start, toDevice: 0 });
    heads.eventAppended(event(11));
    heads.advance("receipts", 7);
    heads.advance("receipts", 3);
    expect(heads.snapshot()).toMatchObject({ events: 11, receipts: 7 });
    expect(heads.eventHead()).toBe(11);
  });

  test("the log answers for ranges it covers, in stream order, even for a straggler", () => {
    const heads = createStreamHeads(start);
    for (const stream of [11, 12, 14]) heads.eventAppended(event(stream, stream === 12 ? "!other:x" : "!r:x"));
    heads.eventAppended(event(13));
    expect(heads.eventsBetween(10, 14)!.map((e) => e.stream)).toEqual([11, 12, 13, 14]);
    expect(heads.eventsBetween(11, 13)!.map((e) => [e.stream, e.room_id])).toEqual([[12, "!other:x"], [13, "!r:x"]]);
    expect(heads.eventsBetween(14, 14)).toEqual([]);
    // Before the server started, the log knows nothing: the caller asks the database.
    expect(heads.eventsBetween(9, 14)).toBeUndefined();
  });

  test("a full log forgets its oldest half, and ranges reaching into it fall back", () => {
    const heads = createStreamHeads(start, 10);
    for (let stream = 11; stream <= 21; stream++) heads.eventAppended(event(stream));
    expect(heads.eventsBetween(10, 21)).toBeUndefined();
    expect(heads.eventsBetween(16, 21)!.map((e) => e.stream)).toEqual([17, 18, 19, 20, 21]);
  });

  test("resync takes the database's position and starts the log afresh", () => {
    const heads = createStreamHeads(start);
    heads.eventAppended(event(11));
    heads.resync(20);
    expect(heads.eventHead()).toBe(20);
    expect(heads.eventsBetween(11, 20)).toBeUndefined();
    expect(heads.eventsBetween(20, 20)).toEqual([]);
  });
});
