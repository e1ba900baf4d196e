import { describe, expect, test } from "bun:test";
import type { AppendedEvent } from "../../../src/core/rooms/appended-event.ts";
import { createRoomEventLog } from "../../../src/core/sync/room-event-log.ts";
import { createHead } from "../../../src/core/sync/stream.ts";

const event = (
  stream: number,
  room = "!r:x",
  extra: Partial<AppendedEvent> = {},
): Omit<AppendedEvent, "thread_id" | "pdu"> => ({
  room_id: room,
  event_id: `$${stream}`,
  stream_ordering: stream,
  type: "m.room.message",
  state_key: undefined,
  sender: "@a:x",
  membership: undefined,
  ...extra,
});

describe("stream heads", () => {
  test("start at the given positions and move with the signals, never back", () => {
    const log = createRoomEventLog(10);
    const receipts = createHead(1);
    expect([log.latest(), receipts.latest()]).toEqual([10, 1]);
    log.append(event(11));
    receipts.advance(7);
    receipts.advance(3);
    expect([log.latest(), receipts.latest()]).toEqual([11, 7]);
  });
});

describe("the room-event log", () => {
  test("answers for ranges it covers, in stream order, even for a straggler", () => {
    const log = createRoomEventLog(10);
    for (const stream of [11, 12, 14]) log.append(event(stream, stream === 12 ? "!other:x" : "!r:x"));
    log.append(event(13));
    expect(log.eventsBetween(10, 14)!.map((e) => e.stream)).toEqual([11, 12, 13, 14]);
    expect(log.eventsBetween(11, 13)!.map((e) => [e.stream, e.room_id])).toEqual([
      [12, "!other:x"],
      [13, "!r:x"],
    ]);
    expect(log.eventsBetween(14, 14)).toEqual([]);
    // Before the server started, the log knows nothing: the caller asks the database.
    expect(log.eventsBetween(9, 14)).toBeUndefined();
    expect(log.latest()).toBe(14);
  });

  test("a full log forgets its oldest half, and ranges reaching into it fall back", () => {
    const log = createRoomEventLog(10, 10);
    for (let stream = 11; stream <= 21; stream++) log.append(event(stream));
    expect(log.eventsBetween(10, 21)).toBeUndefined();
    expect(log.eventsBetween(16, 21)!.map((e) => e.stream)).toEqual([17, 18, 19, 20, 21]);
  });

  test("resync takes the database's position and starts the log afresh", () => {
    const log = createRoomEventLog(10);
    log.append(event(11));
    log.resync(20);
    expect(log.latest()).toBe(20);
    expect(log.eventsBetween(11, 20)).toBeUndefined();
    expect(log.eventsBetween(20, 20)).toEqual([]);
  });
});
