import { describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { MIGRATIONS } from "../../src/storage/migrations/index.ts";
import {
  DATABASE_FILE,
  DatabaseVersionError,
  latestSchemaVersion,
  migrate,
  openDatabase,
  schemaVersion,
} from "../../src/storage/database.ts";
import { tempDir } from "../support/server.ts";

describe("database and migrations", () => {
  test("migrations are numbered 1, 2, 3… in order, each named after its file", () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  test("an empty database is migrated to the latest schema with WAL and foreign keys", () => {
    const dir = tempDir();
    try {
      const db = openDatabase(dir.path);
      expect(schemaVersion(db)).toBe(latestSchemaVersion());
      expect(db.query<{ journal_mode: string }, []>("PRAGMA journal_mode").get()?.journal_mode).toBe("wal");
      expect(db.query<{ foreign_keys: number }, []>("PRAGMA foreign_keys").get()?.foreign_keys).toBe(1);
      db.close();
    } finally {
      dir.remove();
    }
  });

  test("an up-to-date database is left as it is", () => {
    const dir = tempDir();
    try {
      openDatabase(dir.path).close();
      const db = openDatabase(dir.path, { migrate: false });
      expect(migrate(db)).toEqual({ from: latestSchemaVersion(), to: latestSchemaVersion() });
      db.close();
    } finally {
      dir.remove();
    }
  });

  test("a database written by a newer bunduit is refused and not modified", () => {
    const dir = tempDir();
    try {
      openDatabase(dir.path).close();
      const raw = new Database(join(dir.path, DATABASE_FILE));
      raw.exec(`UPDATE schema_version SET version = ${latestSchemaVersion() + 5}`);
      raw.exec("CREATE TABLE from_the_future (x)");
      raw.close();
      expect(() => openDatabase(dir.path)).toThrow(DatabaseVersionError);
      const after = new Database(join(dir.path, DATABASE_FILE));
      expect(after.query<{ version: number }, []>("SELECT version FROM schema_version").get()?.version).toBe(
        latestSchemaVersion() + 5,
      );
      after.close();
    } finally {
      dir.remove();
    }
  });

  test("a failing migration leaves the database at its old version", () => {
    const db = new Database(":memory:");
    db.exec("CREATE TABLE users (user_id TEXT)"); // collides with the accounts migration
    expect(() => migrate(db)).toThrow();
    expect(schemaVersion(db)).toBe(0);
    expect(db.query("SELECT name FROM sqlite_master WHERE name = 'server_signing_keys'").get()).toBeNull();
  });
});
