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
 * Work that must not run inside a transaction (a WAL checkpoint: SQLite refuses it with
 * "database table is locked" while this connection has one open) goes through `whenIdle`.
 */
import type { Database } from "bun:sqlite";

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

export function createGroupCommit(
  db: Database,
  schedule: (commit: () => void) => void = (commit) => void setImmediate(commit),
) {
  let open = false;
  let running = 0;
  let waiters: Waiter[] = [];
  let idleTasks: (() => void)[] = [];
  const failureListeners = new Set<(error: unknown) => void>();

  /**
   * The scheduled end of a batch. Idle tasks run here rather than in every commitNow: a
   * commitNow called by `stores.transaction` is inside a request, and this callback is not.
   * After the commit no transaction is open, so a task waits for at most one batch, however
   * steady the writes.
   */
  function endBatch(): void {
    commitNow();
    // Checked in this order: after shutdown the database may be closed, and asking it throws.
    if (idleTasks.length === 0 || open || db.inTransaction) return;
    const tasks = idleTasks;
    idleTasks = [];
    for (const task of tasks) runListener(task);
  }

  /**
   * Storage has no logger: a listener or idle task that throws (none should) does not stop
   * the others, and its error goes to the process's last-resort handler (main.ts), which logs it.
   */
  function runListener(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }

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
      // The writers hear of the failure first: a throwing listener must not leave them waiting.
      for (const waiter of batch) waiter.reject(error);
      for (const listener of failureListeners) runListener(() => listener(error));
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
        schedule(endBatch);
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
    /**
     * Resolves once the open batch (if any) has committed or failed, after the writes of that
     * batch (queued before) have heard of it: a reader that needs the state of announced
     * events waits here rather than for a turn of the loop, which under steady writes would
     * always find a new batch open.
     */
    settled(): Promise<void> {
      if (!open) return Promise.resolve();
      return new Promise<void>((resolve) => waiters.push({ resolve, reject: () => resolve() }));
    },
    /** Commits the open batch now (before another transaction, at shutdown); a no-op inside a batched write. */
    commitNow,
    /**
     * Runs `task` when this connection has no transaction open: now if no batch is open,
     * else right after the open batch commits (or fails). `task` must not throw; it runs
     * from the batch's scheduled commit, where nobody would catch it.
     */
    whenIdle(task: () => void): void {
      if (!open && !db.inTransaction) return task();
      idleTasks.push(task);
      // A transaction outside the batch (none today) must not leave the task waiting for the next write.
      if (!open) schedule(endBatch);
    },
    /** Hears of a failed commit (the engine drops what it cached from the lost batch). */
    onCommitFailure(listener: (error: unknown) => void): () => void {
      failureListeners.add(listener);
      return () => failureListeners.delete(listener);
    },
  };
}

export type GroupCommit = ReturnType<typeof createGroupCommit>;
