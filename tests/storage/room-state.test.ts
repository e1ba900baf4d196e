import { describe, expect, test } from "bun:test";
import { openDatabase } from "../../src/storage/database.ts";
import { openStores } from "../../src/storage/index.ts";
import { SNAPSHOT_INTERVAL, type StateEntry } from "../../src/storage/room-state.ts";

describe("state groups", () => {
  test("every group reads back the state it was written with, across snapshots", () => {
    const { roomState } = openStores(openDatabase(":memory:"));
    const expected: Array<Map<string, string>> = [];
    const groups: number[] = [];
    let current = new Map<string, string>();
    let previous: number | null = null;
    for (let i = 0; i < SNAPSHOT_INTERVAL * 3 + 5; i++) {
      // Some keys are overwritten again and again, others only added.
      const entry: StateEntry = {
        type: i % 3 === 0 ? "m.room.member" : "m.room.name",
        state_key: i % 3 === 0 ? `@u${i % 17}:x` : "",
        event_id: `$e${i}`,
      };
      current = new Map(current).set(`${entry.type}|${entry.state_key}`, entry.event_id);
      previous = roomState.insertStateGroup("!r:x", previous, [entry]);
      groups.push(previous);
      expected.push(current);
    }
    groups.forEach((group, i) => {
      const read = new Map(roomState.selectStateAtGroup(group).map((e) => [`${e.type}|${e.state_key}`, e.event_id]));
      expect(read).toEqual(expected[i]!);
      expect(roomState.selectEntryAtGroup(group, "m.room.name", "")).toBe(expected[i]!.get("m.room.name|"));
      expect(roomState.selectStateOfTypeAtGroup(group, "m.room.member").length).toBe(
        [...expected[i]!.keys()].filter((k) => k.startsWith("m.room.member")).length,
      );
    });
  });

  test("a chain never grows past the snapshot interval", () => {
    const db = openDatabase(":memory:");
    const { roomState } = openStores(db);
    let previous: number | null = null;
    for (let i = 0; i < SNAPSHOT_INTERVAL * 2; i++)
      previous = roomState.insertStateGroup("!r:x", previous, [{ type: "t", state_key: String(i), event_id: `$${i}` }]);
    const longest = db.query<{ m: number }, []>("SELECT MAX(chain_length) AS m FROM state_groups").get()!.m;
    expect(longest).toBeLessThan(SNAPSHOT_INTERVAL);
  });

  test("current state upserts by (type, state_key)", () => {
    const { roomState } = openStores(openDatabase(":memory:"));
    roomState.upsertCurrent("!r:x", { type: "m.room.name", state_key: "", event_id: "$1" });
    roomState.upsertCurrent("!r:x", { type: "m.room.name", state_key: "", event_id: "$2" });
    expect(roomState.selectCurrentEntry("!r:x", "m.room.name", "")).toBe("$2");
    expect(roomState.selectCurrentState("!r:x")).toHaveLength(1);
  });
});

describe("memberships", () => {
  test("tracks the latest membership and what changed since a position", () => {
    const { memberships } = openStores(openDatabase(":memory:"));
    const row = (roomId: string, membership: string, stream: number) => ({
      room_id: roomId,
      user_id: "@a:x",
      membership,
      event_id: `$${stream}`,
      stream_ordering: stream,
      displayname: null,
      avatar_url: null,
    });
    memberships.upsertMembership(row("!1:x", "join", 1));
    memberships.upsertMembership(row("!2:x", "invite", 2));
    memberships.upsertMembership(row("!1:x", "leave", 3));
    expect(memberships.selectRoomsOfUser("@a:x", "join")).toEqual([]);
    expect(memberships.selectChangedSince("@a:x", 1).map((m) => [m.room_id, m.membership])).toEqual([
      ["!2:x", "invite"],
      ["!1:x", "leave"],
    ]);
    memberships.updateForgotten("!1:x", "@a:x");
    expect(memberships.selectMembership("!1:x", "@a:x")?.forgotten).toBe(1);
    memberships.upsertMembership(row("!1:x", "join", 4));
    expect(memberships.selectMembership("!1:x", "@a:x")?.forgotten).toBe(0);
  });
});

describe("transaction ids and aliases", () => {
  test("a transaction id maps to one event per device and scope", () => {
    const { transactionIds } = openStores(openDatabase(":memory:"));
    transactionIds.insertTransactionId("@a:x", "D1", "send", "t1", "$e1", 1);
    expect(transactionIds.selectEventId("@a:x", "D1", "send", "t1")).toBe("$e1");
    expect(transactionIds.selectEventId("@a:x", "D2", "send", "t1")).toBeUndefined();
    expect(() => transactionIds.insertTransactionId("@a:x", "D1", "send", "t1", "$e2", 2)).toThrow();
  });

  test("an alias is taken once", () => {
    const { aliases } = openStores(openDatabase(":memory:"));
    expect(aliases.insertAlias("#a:x", "!1:x", "@u:x", 1)).toBe(true);
    expect(aliases.insertAlias("#a:x", "!2:x", "@u:x", 2)).toBe(false);
    expect(aliases.selectRoomIdByAlias("#a:x")).toBe("!1:x");
    expect(aliases.deleteAlias("#a:x")).toBe(true);
  });
});
