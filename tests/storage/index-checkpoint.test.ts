/**
 * Issue 12: a WAL checkpoint on the connection that has a group-commit batch open is refused
 * by SQLite ("database table is locked"); from a timer, nothing caught that and the process
 * exited. stores.checkpoint runs between batches instead. Real database files throughout.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { checkpointDatabase, DATABASE_FILE, openDatabase } from "../../src/storage/database.ts";
import { openStores } from "../../src/storage/index.ts";
import { tempDir } from "../support/server.ts";

let dir: ReturnType<typeof tempDir>;
let db: Database;
let stores: ReturnType<typeof openStores>;

beforeEach(() => {
  dir = tempDir();
  db = openDatabase(dir.path);
  db.exec("CREATE TABLE probe (n INTEGER NOT NULL)");
  stores = openStores(db);
});

afterEach(() => {
  db.close();
  dir.remove();
});

const insert = (n: number) => stores.groupCommit.write(() => db.query("INSERT INTO probe (n) VALUES (?)").run(n));

/** The rows of the main database file alone, without its WAL: what checkpoints have copied back. */
function rowsInMainFile(): number[] {
  const copy = tempDir();
  try {
    copyFileSync(join(dir.path, DATABASE_FILE), join(copy.path, DATABASE_FILE));
    const file = new Database(join(copy.path, DATABASE_FILE), { readonly: true });
    const rows = file
      .query<{ n: number }, []>("SELECT n FROM probe ORDER BY n")
      .all()
      .map((row) => row.n);
    file.close();
    return rows;
  } finally {
    copy.remove();
  }
}

describe("WAL checkpoints between group-commit batches", () => {
  test("inside an open batch SQLite refuses a checkpoint; stores.checkpoint waits for the commit and then copies everything back", async () => {
    const written = insert(1);
    expect(db.inTransaction).toBe(true);
    // The failure of issue 12, reproduced where it happened.
    expect(() => checkpointDatabase(db)).toThrow("database table is locked");

    let checkpointed = false;
    const checkpoint = stores.checkpoint().then((result) => {
      checkpointed = true;
      return result;
    });
    await Promise.resolve();
    expect(checkpointed).toBe(false);
    await written;
    const result = await checkpoint;
    expect(result.busy).toBe(false);
    expect(result.walPages).toBeGreaterThan(0);
    expect(result.checkpointedPages).toBe(result.walPages);
    expect(rowsInMainFile()).toEqual([1]);
  });

  test("with a new batch open in every turn, a checkpoint still runs, right after one of them commits", async () => {
    const TURNS = 200;
    let turns = 0;
    const writes: Promise<unknown>[] = [];
    const pumped = new Promise<void>((resolve) => {
      const pump = () => {
        writes.push(insert(turns++));
        if (turns < TURNS) setImmediate(pump);
        else resolve();
      };
      pump();
    });
    let turnsAtCheckpoint = -1;
    // Asked from a timer, as the background task does, while the writes keep coming.
    const checkpoint = new Promise((resolve) => setTimeout(resolve, 0)).then(async () => {
      expect(db.inTransaction).toBe(true);
      const result = await stores.checkpoint();
      turnsAtCheckpoint = turns;
      return result;
    });
    await pumped;
    await Promise.all(writes);
    const result = await checkpoint;
    expect(turnsAtCheckpoint).toBeGreaterThan(0);
    expect(turnsAtCheckpoint).toBeLessThan(TURNS);
    expect(result.busy).toBe(false);
    expect(result.checkpointedPages).toBe(result.walPages);
  });

  test("with no batch open it runs at once", async () => {
    await insert(1);
    expect(db.inTransaction).toBe(false);
    let ran = false;
    stores.groupCommit.whenIdle(() => (ran = true));
    expect(ran).toBe(true);
    expect((await stores.checkpoint()).checkpointedPages).toBeGreaterThan(0);
    expect(rowsInMainFile()).toEqual([1]);
  });
});
