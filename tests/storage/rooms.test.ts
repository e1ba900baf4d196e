import { describe, expect, test } from "bun:test";
import { memoryStores } from "../support/stores.ts";

describe("room store", () => {
  test("a room is inserted without a state group, which is set later; room ids are unique", () => {
    const s = memoryStores();
    s.rooms.insertRoom({ room_id: "!r:x", room_version: "11", creator: "@a:x", created_ts: 5 });
    expect(s.rooms.selectRoom("!r:x")).toEqual({
      room_id: "!r:x",
      room_version: "11",
      creator: "@a:x",
      current_state_group: null,
      created_ts: 5,
    });
    s.rooms.updateCurrentStateGroup("!r:x", 7);
    expect(s.rooms.selectRoom("!r:x")?.current_state_group).toBe(7);
    expect(s.rooms.selectRoom("!none:x")).toBeUndefined();
    expect(() => s.rooms.insertRoom({ room_id: "!r:x", room_version: "10", creator: "@b:x", created_ts: 6 })).toThrow();
  });

  test("a new event replaces the extremities it cites; several remain when it cites only some", () => {
    const s = memoryStores();
    s.rooms.insertRoom({ room_id: "!r:x", room_version: "11", creator: "@a:x", created_ts: 5 });
    s.rooms.replaceExtremities("!r:x", [], "$create", 1);
    s.rooms.replaceExtremities("!r:x", ["$create"], "$b", 2);
    expect(s.rooms.selectExtremities("!r:x")).toEqual([{ event_id: "$b", depth: 2 }]);
    s.rooms.replaceExtremities("!r:x", [], "$a", 2);
    expect(s.rooms.selectExtremities("!r:x")).toEqual([
      { event_id: "$a", depth: 2 },
      { event_id: "$b", depth: 2 },
    ]);
    s.rooms.replaceExtremities("!r:x", ["$a", "$b"], "$c", 3);
    expect(s.rooms.selectExtremities("!r:x")).toEqual([{ event_id: "$c", depth: 3 }]);
    expect(s.rooms.selectExtremities("!other:x")).toEqual([]);
    expect(() => s.rooms.replaceExtremities("!r:x", [], "$c", 3)).toThrow();
  });
});
