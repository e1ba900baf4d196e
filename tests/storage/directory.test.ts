import { describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { MIGRATIONS } from "../../src/storage/migrations/index.ts";
import { migrate, openDatabase } from "../../src/storage/database.ts";
import { LOCAL_LIST } from "../../src/storage/directory.ts";
import { openStores } from "../../src/storage/index.ts";

function setup() {
  const stores = openStores(openDatabase(":memory:"));
  for (const roomId of ["!a:x", "!b:x", "!c:x"])
    stores.rooms.insertRoom({ room_id: roomId, room_version: "12", creator: "@u:x", created_ts: 1 });
  return stores;
}

describe("room directory", () => {
  test("listings are per list; a room is listed once per list", () => {
    const stores = setup();
    expect(stores.directory.insertListing("!a:x", LOCAL_LIST, 1)).toBe(true);
    expect(stores.directory.insertListing("!a:x", LOCAL_LIST, 2)).toBe(false);
    stores.directory.insertListing("!b:x", "irc", 1);
    stores.directory.insertListing("!a:x", "irc", 1);
    expect(stores.directory.isListed("!a:x", LOCAL_LIST)).toBe(true);
    expect(stores.directory.isListed("!b:x", LOCAL_LIST)).toBe(false);
    expect(stores.directory.selectListedRooms(LOCAL_LIST).map((row) => row.room_id)).toEqual(["!a:x"]);
    expect(
      stores.directory
        .selectListedRooms(null)
        .map((row) => row.room_id)
        .sort(),
    ).toEqual(["!a:x", "!b:x"]);
    expect(stores.directory.deleteListing("!a:x", LOCAL_LIST)).toBe(true);
    expect(stores.directory.deleteListing("!a:x", LOCAL_LIST)).toBe(false);
  });

  test("joined counts come from memberships; listed state is read for the given types only", () => {
    const stores = setup();
    stores.directory.insertListing("!a:x", LOCAL_LIST, 1);
    for (const [user, membership] of [
      ["@1:x", "join"],
      ["@2:x", "join"],
      ["@3:x", "leave"],
    ] as const) {
      stores.memberships.upsertMembership({
        room_id: "!a:x",
        user_id: user,
        membership,
        event_id: `$m${user}`,
        stream_ordering: 1,
        displayname: null,
        avatar_url: null,
      });
    }
    expect(stores.directory.selectListedRooms(LOCAL_LIST)).toEqual([{ room_id: "!a:x", num_joined_members: 2 }]);
    stores.events.insertEvent({
      event_id: "$name",
      room_id: "!a:x",
      type: "m.room.name",
      state_key: "",
      sender: "@u:x",
      membership: null,
      depth: 1,
      origin_server_ts: 1,
      state_group: null,
      replaces_state: null,
      txn: undefined,
      json: '{"content":{"name":"A"}}',
    });
    stores.roomState.upsertCurrent("!a:x", { type: "m.room.name", state_key: "", event_id: "$name" });
    expect(stores.directory.selectListedState(LOCAL_LIST, ["m.room.name"])).toEqual([
      { room_id: "!a:x", type: "m.room.name", json: '{"content":{"name":"A"}}' },
    ]);
    expect(stores.directory.selectListedState(LOCAL_LIST, ["m.room.topic"])).toEqual([]);
    expect(stores.roomState.selectCurrentEventsOfTypes("!a:x", ["m.room.name", "m.room.topic"])).toEqual([
      { type: "m.room.name", json: '{"content":{"name":"A"}}' },
    ]);
  });

  test("an upgrade moves every listing of the old room, keeping one per list", () => {
    const stores = setup();
    stores.directory.insertListing("!a:x", LOCAL_LIST, 1);
    stores.directory.insertListing("!a:x", "irc", 1);
    stores.directory.insertListing("!b:x", "irc", 1);
    stores.directory.moveListings("!a:x", "!b:x");
    expect(stores.directory.selectListedRooms(null).map((row) => row.room_id)).toEqual(["!b:x"]);
    expect(stores.directory.isListed("!b:x", LOCAL_LIST)).toBe(true);
    expect(stores.directory.isListed("!a:x", "irc")).toBe(false);
  });

  test("migration 9 lists the rooms that rooms.is_public marked public, and drops the column", () => {
    const db = new Database(":memory:");
    db.exec("CREATE TABLE schema_version (version INTEGER NOT NULL)");
    db.transaction(() => {
      for (const migration of MIGRATIONS.filter((m) => m.version <= 8)) db.exec(migration.sql);
      db.exec("INSERT INTO schema_version VALUES (8)");
      db.exec(
        "INSERT INTO rooms (room_id, room_version, creator, is_public, created_ts) VALUES ('!pub:x', '10', '@u:x', 1, 5), ('!priv:x', '10', '@u:x', 0, 6)",
      );
    })();
    migrate(db);
    expect(db.query("SELECT instance_id, room_id, published_ts FROM room_directory").all()).toEqual([
      { instance_id: "", room_id: "!pub:x", published_ts: 5 },
    ]);
    expect(
      db
        .query<{ name: string }, []>("SELECT name FROM pragma_table_info('rooms')")
        .all()
        .map((column) => column.name),
    ).not.toContain("is_public");
  });
});

describe("reports", () => {
  test("are kept in order for admins to page through", () => {
    const stores = setup();
    const first = stores.reports.insertReport({
      reporter: "@r:x",
      room_id: "!a:x",
      event_id: "$e",
      user_id: null,
      reason: "spam",
      score: -100,
      received_ts: 1,
    });
    const second = stores.reports.insertReport({
      reporter: "@r:x",
      room_id: null,
      event_id: null,
      user_id: "@bad:x",
      reason: null,
      score: null,
      received_ts: 2,
    });
    expect(second).toBeGreaterThan(first);
    expect(stores.reports.selectReports(0, 10).map((report) => report.report_id)).toEqual([first, second]);
    expect(stores.reports.selectReports(first, 10)).toEqual([
      {
        report_id: second,
        reporter: "@r:x",
        room_id: null,
        event_id: null,
        user_id: "@bad:x",
        reason: null,
        score: null,
        received_ts: 2,
      },
    ]);
  });
});
