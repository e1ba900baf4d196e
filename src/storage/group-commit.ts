/**
 * Group commit: the room writes of one event-loop turn share one SQLite transaction, each in
 * its own savepoint, and the transaction commits once the turn's I/O has been handled. A
 * request's write is visible (to this connection) at once, and its promise settles when the
 * batch has committed, so a client hears "sent" only about durable events. Committing
 * dominates the cost of a small write; sharing one commit (and the index pages that many
 * events touch) between the writes of a turn is what docs/performance.md measured as
 * +53–62% /send throughput.
 *
 * Other writers keep their own transactions: `commitNow` is called before they begin.
 */
import type { Database } from "bun:sqlite";

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

export function createGroupCommit(db: Database, schedule: (commit: () => void) => void = (commit) => void setImmediate(commit)) {
  let open = false;
  let running = 0;
  let waiters: Waiter[] = [];
  const failureListeners = new Set<(error: unknown) => void>();

  function commitNow(): void {
    if (!open || running > 0) return;
    open = false;
    const batch = waiters;
    waiters = [];
    try {
      db.exec("COMMIT");
    } catch (error) {
      try {
        db.exec("ROLLBACK");
      } catch {
        // the transaction may already be gone with the failed commit
      }
      for (const listener of failureListeners) listener(error);
      for (const waiter of batch) waiter.reject(error);
      return;
    }
    for (const waiter of batch) waiter.resolve();
  }

  return {
    /**
     * Runs `fn` now, in this turn's transaction and its own savepoint: if `fn` throws, only
     * its writes are undone and the throw propagates. Resolves with `fn`'s result once the
     * batch is committed; rejects if the commit fails.
     */
    write<T>(fn: () => T): Promise<T> {
      if (!open) {
        db.exec("BEGIN IMMEDIATE");
        open = true;
        schedule(commitNow);
      }
      running++;
      let result: T;
      try {
        result = db.transaction(fn)();
      } finally {
        running--;
      }
      return new Promise<T>((resolve, reject) => waiters.push({ resolve: () => resolve(result), reject }));
    },
    /** Commits the open batch now (before another transaction, at shutdown); a no-op inside a batched write. */
    commitNow,
    /** Hears of a failed commit (the engine drops what it cached from the lost batch). */
    onCommitFailure(listener: (error: unknown) => void): () => void {
      failureListeners.add(listener);
      return () => failureListeners.delete(listener);
    },
  };
}

export type GroupCommit = ReturnType<typeof createGroupCommit>;
