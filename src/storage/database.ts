/**
 * Opens the SQLite database, sets the pragmas every connection needs and applies the
 * embedded migrations. Durability: WAL with synchronous=NORMAL, so a committed
 * transaction survives a process crash; an OS crash or power loss can lose the last
 * transactions committed before the next WAL sync, but never corrupts the database
 * (docs/architecture.md#durability).
 */
import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { MIGRATIONS } from "./migrations/index.ts";

export const DATABASE_FILE = "bunduit.db";

export class DatabaseVersionError extends Error {}

/** The data directory is missing and cannot be created, unwritable, or not a directory: an operator's mistake, said in one line. */
export class DatabaseOpenError extends Error {}

/** Errors that mean the data directory is missing, unwritable or not a directory. */
const UNOPENABLE = new Set([
  "SQLITE_CANTOPEN",
  "SQLITE_READONLY",
  "SQLITE_PERM",
  "EACCES",
  "EPERM",
  "ENOTDIR",
  "EEXIST",
  "EROFS",
  "ENOENT",
]);

export interface OpenOptions {
  /** Apply pending migrations (the server does; a read-only tool might not). */
  migrate?: boolean;
}

/**
 * The open database as the layers above storage hold it: they pass it to `openStores` and
 * `checkpointDatabase` and never run a statement on it, so they name it through storage,
 * not through the driver (docs/architecture.md, "Rules the tests enforce").
 */
export type DatabaseHandle = Database;

/** Opens `<directory>/bunduit.db`, or an in-memory database for ":memory:". */
export function openDatabase(directory: string, options: OpenOptions = {}): Database {
  let db: Database;
  try {
    let path = ":memory:";
    if (directory !== ":memory:") {
      mkdirSync(directory, { recursive: true });
      path = join(directory, DATABASE_FILE);
    }
    db = new Database(path, { create: true, strict: true });
    // The first write: a read-only directory or file fails here rather than in the first request.
    db.exec("PRAGMA journal_mode = WAL");
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (!code || !UNOPENABLE.has(code)) throw error;
    // Typical in containers: a bind-mounted directory owned by another uid than the server's.
    throw new DatabaseOpenError(
      `cannot open the database in ${directory} (${code}): database_path must be a directory that exists or can be created, writable by uid ${process.getuid?.() ?? "?"}`,
    );
  }
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA foreign_keys = ON");
  db.exec("PRAGMA busy_timeout = 5000");
  // Checkpoints are run off the request path (see checkpointDatabase), not inside commits.
  db.exec("PRAGMA wal_autocheckpoint = 0");
  if (options.migrate ?? true) migrate(db);
  return db;
}

export function schemaVersion(db: Database): number {
  db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  const row = db.query<{ version: number }, []>("SELECT version FROM schema_version").get();
  return row?.version ?? 0;
}

export function latestSchemaVersion(): number {
  return MIGRATIONS.at(-1)?.version ?? 0;
}

/**
 * Applies every migration newer than the database, all in one transaction. A database
 * written by a newer bunduit is refused and left untouched.
 */
export function migrate(db: Database): { from: number; to: number } {
  const from = schemaVersion(db);
  const to = latestSchemaVersion();
  if (from > to) {
    throw new DatabaseVersionError(
      `the database has schema version ${from}, but this bunduit only knows versions up to ${to}: ` +
        "it was written by a newer bunduit. Run that version (or newer) instead; the database was not modified.",
    );
  }
  if (from === to) return { from, to };
  db.transaction(() => {
    for (const migration of MIGRATIONS) if (migration.version > from) db.exec(migration.sql);
    db.exec("DELETE FROM schema_version");
    db.query("INSERT INTO schema_version (version) VALUES (?)").run(to);
  })();
  return { from, to };
}

/** SQLite's answer to a checkpoint: `busy` when another connection kept it from finishing; pages in the WAL and copied back. */
export interface CheckpointResult {
  busy: boolean;
  walPages: number;
  checkpointedPages: number;
}

/**
 * Moves WAL content into the main file; called between group-commit batches
 * (`stores.checkpoint`) and at shutdown, never in a request. Inside an open transaction
 * SQLite refuses it (SQLITE_LOCKED, "database table is locked"): that is the caller's bug.
 */
export function checkpointDatabase(db: Database, mode: "PASSIVE" | "TRUNCATE" = "PASSIVE"): CheckpointResult {
  const row = db.query<{ busy: number; log: number; checkpointed: number }, []>(`PRAGMA wal_checkpoint(${mode})`).get();
  return { busy: row?.busy === 1, walPages: row?.log ?? 0, checkpointedPages: row?.checkpointed ?? 0 };
}
