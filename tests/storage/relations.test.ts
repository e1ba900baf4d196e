import { describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { migrate, openDatabase } from "../../src/storage/database.ts";
import { MIGRATIONS } from "../../src/storage/migrations/index.ts";
import { openStores } from "../../src/storage/index.ts";
import { CHILD_REL_TYPE_BITS } from "../../src/storage/relations.ts";

const ALL = { depth: Number.MAX_SAFE_INTEGER, stream: Number.MAX_SAFE_INTEGER };
const NONE = { depth: 0, stream: 0 };
const open = { until: ALL, ignored: [] };

function setup() {
  const stores = openStores(openDatabase(":memory:"));
  let depth = 0;
  /** Inserts an event and, if it has one, its relation (as the append path does). */
  const add = (
    id: string,
    options: {
      sender?: string;
      type?: string;
      ts?: number;
      content?: object;
      rel?: [string, string];
      room?: string;
      thread?: string;
    } = {},
  ) => {
    depth++;
    const room = options.room ?? "!r:x";
    const type = options.type ?? "m.room.message";
    const sender = options.sender ?? "@a:x";
    const stream = stores.events.insertEvent({
      event_id: id,
      room_id: room,
      type,
      state_key: null,
      sender,
      membership: null,
      depth,
      origin_server_ts: options.ts ?? depth,
      state_group: null,
      replaces_state: null,
      txn: undefined,
      json: JSON.stringify({ type, sender, content: options.content ?? {} }),
    });
    if (options.rel) {
      const [rel_type, relates_to_id] = options.rel;
      stores.relations.insertRelation({
        event_id: id,
        relates_to_id,
        rel_type,
        aggregation_key: null,
        room_id: room,
        type,
        sender,
        depth,
        stream_ordering: stream,
        thread_id: options.thread ?? (rel_type === "m.thread" ? relates_to_id : null),
      });
      if (rel_type === "m.thread")
        stores.relations.upsertThread(room, relates_to_id, { event_id: id, depth, stream_ordering: stream });
    }
    return stream;
  };
  return { stores, add };
}

const ids = (rows: { event_id: string }[]) => rows.map((row) => row.event_id);

describe("relation store", () => {
  test("children page in topological order both ways, filtered by relation and event type", () => {
    const { stores, add } = setup();
    add("$p");
    add("$c1", { rel: ["m.reference", "$p"] });
    add("$c2", { rel: ["m.annotation", "$p"], type: "m.reaction" });
    add("$c3", { rel: ["m.reference", "$p"], type: "m.other" });
    add("$x", { rel: ["m.reference", "$elsewhere"] });
    const filter = { parentId: "$p", roomId: "!r:x" };
    expect(ids(stores.relations.selectChildren(filter, { dir: "b", from: ALL, to: NONE, limit: 10 }))).toEqual([
      "$c3",
      "$c2",
      "$c1",
    ]);
    expect(ids(stores.relations.selectChildren(filter, { dir: "f", from: NONE, to: ALL, limit: 2 }))).toEqual([
      "$c1",
      "$c2",
    ]);
    expect(
      ids(
        stores.relations.selectChildren(
          { ...filter, relType: "m.reference" },
          { dir: "b", from: ALL, to: NONE, limit: 10 },
        ),
      ),
    ).toEqual(["$c3", "$c1"]);
    expect(
      ids(
        stores.relations.selectChildren(
          { ...filter, relType: "m.reference", eventType: "m.room.message" },
          { dir: "f", from: NONE, to: ALL, limit: 10 },
        ),
      ),
    ).toEqual(["$c1"]);
    expect(
      stores.relations.selectChildren({ ...filter, roomId: "!other:x" }, { dir: "b", from: ALL, to: NONE, limit: 10 }),
    ).toEqual([]);
  });

  test("descendants follow matching relations only, up to the hop limit", () => {
    const { stores, add } = setup();
    add("$p");
    add("$a", { rel: ["m.thread", "$p"] });
    add("$b", { rel: ["m.annotation", "$a"] });
    add("$c", { rel: ["m.reference", "$b"] });
    add("$d", { rel: ["m.reference", "$c"] });
    const range = { dir: "f" as const, from: NONE, to: ALL, limit: 10 };
    expect(ids(stores.relations.selectDescendants({ parentId: "$p", roomId: "!r:x" }, range, 3))).toEqual([
      "$a",
      "$b",
      "$c",
    ]);
    expect(ids(stores.relations.selectDescendants({ parentId: "$p", roomId: "!r:x" }, range, 4))).toEqual([
      "$a",
      "$b",
      "$c",
      "$d",
    ]);
    expect(
      ids(stores.relations.selectDescendants({ parentId: "$p", roomId: "!r:x", relType: "m.thread" }, range, 3)),
    ).toEqual(["$a"]);
  });

  test("edit candidates are the valid edits, most recent first: same sender and type, m.new_content, by timestamp then event id", () => {
    const { stores, add } = setup();
    add("$orig");
    add("$other");
    const edit = { "m.new_content": { body: "new" } };
    add("$e1", { rel: ["m.replace", "$orig"], content: edit, ts: 500 });
    add("$e3", { rel: ["m.replace", "$orig"], content: edit, ts: 100 });
    add("$e2", { rel: ["m.replace", "$orig"], content: edit, ts: 500 });
    add("$byOther", { rel: ["m.replace", "$orig"], content: edit, ts: 900, sender: "@b:x" });
    add("$otherType", { rel: ["m.replace", "$orig"], content: edit, ts: 900, type: "m.sticker" });
    add("$noContent", { rel: ["m.replace", "$orig"], ts: 900 });
    add("$encrypted", { rel: ["m.replace", "$other"], type: "m.room.encrypted", ts: 900 });
    const parents = [
      { event_id: "$orig", sender: "@a:x", type: "m.room.message" },
      { event_id: "$other", sender: "@a:x", type: "m.room.encrypted" },
    ];
    expect(
      stores.relations.selectEditCandidates(parents, open).map((row) => [row.relates_to_id, row.event_id]),
    ).toEqual([
      ["$orig", "$e2"],
      ["$orig", "$e1"],
      ["$orig", "$e3"],
      ["$other", "$encrypted"],
    ]);
    const beforeLast = { until: { depth: 4, stream: Number.MAX_SAFE_INTEGER }, ignored: [] };
    expect(stores.relations.selectEditCandidates(parents.slice(0, 1), beforeLast).map((row) => row.event_id)).toEqual([
      "$e1",
      "$e3",
    ]);
    // An edit of an edit is not valid.
    add("$editOfEdit", { rel: ["m.replace", "$e1"], content: edit });
    expect(
      stores.relations.selectEditCandidates([{ event_id: "$e1", sender: "@a:x", type: "m.room.message" }], open),
    ).toEqual([]);
  });

  test("thread summaries count, find the latest and see participation, minus ignored users and after the bound", () => {
    const { stores, add } = setup();
    add("$root");
    add("$t1", { rel: ["m.thread", "$root"], sender: "@b:x" });
    const second = add("$t2", { rel: ["m.thread", "$root"], sender: "@c:x" });
    add("$t3", { rel: ["m.thread", "$root"], sender: "@ignored:x" });
    add("$plain");
    expect(stores.relations.selectThreadSummaries(["$root", "$plain"], "@b:x", open)).toEqual([
      { thread_id: "$root", latest_event_id: "$t3", count: 3, participated: 1 },
    ]);
    expect(stores.relations.selectThreadSummaries(["$root"], "@a:x", { until: ALL, ignored: ["@ignored:x"] })).toEqual([
      { thread_id: "$root", latest_event_id: "$t2", count: 2, participated: 0 },
    ]);
    // Participation is the reader's own events, which are never past their read point.
    expect(
      stores.relations.selectThreadSummaries(["$root"], "@c:x", {
        until: { depth: 2, stream: second - 1 },
        ignored: [],
      }),
    ).toEqual([{ thread_id: "$root", latest_event_id: "$t1", count: 1, participated: 1 }]);
  });

  test("threads are listed by latest activity, and a lost relation moves or removes its thread", () => {
    const { stores, add } = setup();
    add("$r1");
    add("$r2", { sender: "@b:x" });
    add("$a", { rel: ["m.thread", "$r1"], sender: "@b:x" });
    add("$b", { rel: ["m.thread", "$r2"], sender: "@c:x" });
    add("$c", { rel: ["m.thread", "$r1"], sender: "@c:x" });
    const list = (participant: string | null) =>
      stores.relations.selectThreads("!r:x", ALL, 10, participant).map((row) => row.thread_id);
    expect(list(null)).toEqual(["$r1", "$r2"]);
    expect(list("@b:x")).toEqual(["$r1", "$r2"]);
    expect(list("@d:x")).toEqual([]);
    expect(stores.relations.deleteRelation("$c")?.relates_to_id).toBe("$r1");
    stores.relations.refreshThread("$r1");
    expect(list(null)).toEqual(["$r2", "$r1"]);
    stores.relations.deleteRelation("$a");
    stores.relations.refreshThread("$r1");
    expect(list(null)).toEqual(["$r2"]);
  });

  test("references of a page are read in one query, oldest first", () => {
    const { stores, add } = setup();
    add("$p");
    add("$q");
    add("$r1", { rel: ["m.reference", "$p"] });
    add("$r2", { rel: ["m.reference", "$q"] });
    add("$r3", { rel: ["m.reference", "$p"], sender: "@ignored:x" });
    add("$r4", { rel: ["m.reference", "$p"] });
    expect(stores.relations.selectReferences(["$p", "$q"], { until: ALL, ignored: ["@ignored:x"] })).toEqual([
      { relates_to_id: "$p", event_id: "$r1" },
      { relates_to_id: "$p", event_id: "$r4" },
      { relates_to_id: "$q", event_id: "$r2" },
    ]);
  });

  test("an event is marked once per aggregated relation type it has children of, in its own room only", () => {
    const { stores, add } = setup();
    add("$p");
    stores.events.markChildRelType("$p", "!r:x", CHILD_REL_TYPE_BITS["m.thread"]!);
    stores.events.markChildRelType("$p", "!r:x", CHILD_REL_TYPE_BITS["m.thread"]!);
    stores.events.markChildRelType("$p", "!r:x", CHILD_REL_TYPE_BITS["m.reference"]!);
    stores.events.markChildRelType("$p", "!elsewhere:x", CHILD_REL_TYPE_BITS["m.replace"]!);
    expect(stores.events.selectEvent("$p")?.child_rel_types).toBe(6);
  });

  test("an annotation is found by target, sender, type and key", () => {
    const { stores } = setup();
    stores.relations.insertRelation({
      event_id: "$re",
      relates_to_id: "$t",
      rel_type: "m.annotation",
      aggregation_key: "👍",
      room_id: "!r:x",
      type: "m.reaction",
      sender: "@a:x",
      depth: 1,
      stream_ordering: 1,
      thread_id: null,
    });
    expect(stores.relations.hasAnnotation("$t", "@a:x", "m.reaction", "👍")).toBe(true);
    expect(stores.relations.hasAnnotation("$t", "@b:x", "m.reaction", "👍")).toBe(false);
    expect(stores.relations.hasAnnotation("$t", "@a:x", "m.reaction", "👎")).toBe(false);
  });

  test("migration 12 gives existing relations their positions, threads and thread rows, and drops those across rooms", () => {
    const db = new Database(":memory:", { strict: true });
    db.exec("CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (11)");
    for (const migration of MIGRATIONS) if (migration.version <= 11) db.exec(migration.sql);
    const event = db.query(
      "INSERT INTO events (event_id, room_id, type, sender, depth, origin_server_ts, json) VALUES (?, '!r:x', 'm.room.message', '@a:x', ?, 0, '{}')",
    );
    const relation = db.query(
      "INSERT INTO event_relations (event_id, relates_to_id, rel_type, room_id, type, sender) VALUES (?, ?, ?, '!r:x', 'm.room.message', '@a:x')",
    );
    event.run("$root", 1);
    event.run("$t1", 2);
    event.run("$t2", 3);
    event.run("$reaction", 4);
    relation.run("$t1", "$root", "m.thread");
    relation.run("$t2", "$root", "m.thread");
    relation.run("$reaction", "$t1", "m.annotation");
    db.query(
      "INSERT INTO events (event_id, room_id, type, sender, depth, origin_server_ts, json) VALUES ('$far', '!other:x', 'm.room.message', '@a:x', 1, 0, '{}')",
    ).run();
    event.run("$cross", 5);
    relation.run("$cross", "$far", "m.reference");
    migrate(db);
    const stores = openStores(db);
    expect(stores.relations.selectRelation("$reaction")).toMatchObject({ depth: 4, thread_id: "$root" });
    expect(stores.relations.selectRelation("$t1")).toMatchObject({ depth: 2, thread_id: "$root" });
    expect(stores.relations.selectThread("$root")).toMatchObject({
      room_id: "!r:x",
      latest_event_id: "$t2",
      latest_depth: 3,
    });
    expect(stores.events.selectEvent("$root")?.child_rel_types).toBe(2);
    expect(stores.events.selectEvent("$t1")?.child_rel_types).toBe(0);
    expect(stores.relations.selectRelation("$cross")).toBeUndefined();
    expect(stores.events.selectEvent("$far")?.child_rel_types).toBe(0);
  });
});
