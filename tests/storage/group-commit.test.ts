import { describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { createGroupCommit } from "../../src/storage/group-commit.ts";

function setup() {
  const db = new Database(":memory:");
  db.exec("CREATE TABLE t (x INTEGER UNIQUE)");
  const scheduled: Array<() => void> = [];
  const group = createGroupCommit(db, (commit) => scheduled.push(commit));
  const rows = () =>
    db
      .query<{ x: number }, []>("SELECT x FROM t ORDER BY x")
      .all()
      .map((r) => r.x);
  return { db, group, scheduled, rows };
}

describe("group commit", () => {
  test("the writes of one turn share one transaction and settle after its commit", async () => {
    const { db, group, scheduled, rows } = setup();
    let settled = 0;
    const a = group.write(() => db.exec("INSERT INTO t VALUES (1)")).then(() => settled++);
    const b = group.write(() => db.exec("INSERT INTO t VALUES (2)")).then(() => settled++);
    expect(db.inTransaction).toBe(true);
    expect(scheduled).toHaveLength(1);
    await Promise.resolve();
    expect(settled).toBe(0);
    scheduled[0]!();
    await Promise.all([a, b]);
    expect(settled).toBe(2);
    expect(db.inTransaction).toBe(false);
    expect(rows()).toEqual([1, 2]);
  });

  test("settled resolves after the open batch commits, after the batch's writers heard of it; at once without a batch", async () => {
    const { db, group, scheduled } = setup();
    await group.settled();
    const order: string[] = [];
    const write = group.write(() => db.exec("INSERT INTO t VALUES (1)")).then(() => order.push("writer"));
    const settled = group.settled().then(() => order.push("reader"));
    await Promise.resolve();
    expect(order).toEqual([]);
    scheduled[0]!();
    await Promise.all([write, settled]);
    expect(order).toEqual(["writer", "reader"]);
  });

  test("a write that throws undoes only its own changes", async () => {
    const { db, group, scheduled, rows } = setup();
    const kept = group.write(() => db.exec("INSERT INTO t VALUES (1)"));
    expect(() =>
      group.write(() => {
        db.exec("INSERT INTO t VALUES (2)");
        throw new Error("refused");
      }),
    ).toThrow("refused");
    scheduled[0]!();
    await kept;
    expect(rows()).toEqual([1]);
  });

  test("commitNow commits the open batch (for other transactions and shutdown)", async () => {
    const { db, group, rows } = setup();
    const pending = group.write(() => db.exec("INSERT INTO t VALUES (5)"));
    group.commitNow();
    await pending;
    expect(db.inTransaction).toBe(false);
    expect(rows()).toEqual([5]);
  });

  test("a failed commit rejects every write of the batch and tells the listeners", async () => {
    const { db, group, scheduled } = setup();
    db.exec(
      "CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE child (p INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)",
    );
    db.exec("PRAGMA foreign_keys = ON");
    let heard = 0;
    group.onCommitFailure(() => heard++);
    const write = group.write(() => db.exec("INSERT INTO child VALUES (42)"));
    scheduled[0]!();
    await expect(write).rejects.toThrow();
    expect(heard).toBe(1);
    expect(db.inTransaction).toBe(false);
  });
});
