import { describe, expect, test } from "bun:test";
import { openDatabase } from "../../src/storage/database.ts";
import type { NewEvent } from "../../src/storage/events.ts";
import { openStores } from "../../src/storage/index.ts";

function setup() {
  const stores = openStores(openDatabase(":memory:"));
  let n = 0;
  const insert = (overrides: Partial<NewEvent> = {}) => {
    n++;
    const event: NewEvent = {
      event_id: `$e${n}`,
      room_id: "!r:x",
      type: "m.room.message",
      state_key: null,
      sender: "@a:x",
      membership: null,
      depth: n,
      origin_server_ts: 1000 * n,
      state_group: null,
      replaces_state: null,
      txn: undefined,
      json: `{"n":${n}}`,
      ...overrides,
    };
    return stores.events.insertEvent(event);
  };
  return { stores, insert };
}

describe("events", () => {
  test("stream positions grow with each insert and pages run both ways in topological order", () => {
    const { stores, insert } = setup();
    const streams = [insert(), insert(), insert(), insert({ room_id: "!other:x" }), insert()];
    expect(streams).toEqual([...streams].sort((a, b) => a - b));
    const all = { depth: Number.MAX_SAFE_INTEGER, stream: Number.MAX_SAFE_INTEGER };
    const none = { depth: 0, stream: 0 };
    expect(stores.events.selectBackwards("!r:x", all, none, 10).map((e) => e.event_id)).toEqual([
      "$e5",
      "$e3",
      "$e2",
      "$e1",
    ]);
    expect(
      stores.events.selectForwards("!r:x", { depth: 2, stream: streams[1]! }, all, 10).map((e) => e.event_id),
    ).toEqual(["$e3", "$e5"]);
    expect(stores.events.selectPositionAtStream("!r:x", streams[3]!)).toEqual({ depth: 3, stream: streams[2]! });
    expect(stores.events.selectAtOrAfterTs("!r:x", 2500, 1)[0]?.event_id).toBe("$e3");
    expect(stores.events.selectAtOrBeforeTs("!r:x", 2500, 1)[0]?.event_id).toBe("$e2");
  });

  test("an event id is stored once", () => {
    const { insert } = setup();
    insert({ event_id: "$same" });
    expect(() => insert({ event_id: "$same" })).toThrow();
  });

  test("a redaction rewrites the JSON once and keeps the first redaction", () => {
    const { stores, insert } = setup();
    insert({ event_id: "$t" });
    expect(stores.events.updateRedacted("$t", "{}", "$r1")).toBe(true);
    expect(stores.events.updateRedacted("$t", "{}", "$r2")).toBe(false);
    expect(stores.events.selectEvent("$t")).toMatchObject({ json: "{}", redacted_by: "$r1" });
  });

  test("the latest membership of a user is found by its stream position", () => {
    const { stores, insert } = setup();
    insert({ type: "m.room.member", state_key: "@b:x", membership: "join" });
    const second = insert({ type: "m.room.member", state_key: "@b:x", membership: "join" });
    insert({ type: "m.room.member", state_key: "@b:x", membership: "leave" });
    expect(stores.events.selectLatestMembershipStream("!r:x", "@b:x", "join")).toBe(second);
    expect(stores.events.selectLatestMembershipStream("!r:x", "@c:x", "join")).toBeUndefined();
  });
});

describe("rooms and extremities", () => {
  test("a new event replaces the extremities it cites", () => {
    const { stores } = setup();
    stores.rooms.insertRoom({ room_id: "!r:x", room_version: "12", creator: "@a:x", created_ts: 1 });
    stores.rooms.replaceExtremities("!r:x", [], "$1", 1);
    stores.rooms.replaceExtremities("!r:x", ["$1"], "$2", 2);
    expect(stores.rooms.selectExtremities("!r:x")).toEqual([{ event_id: "$2", depth: 2 }]);
  });
});
