/**
 * Work that runs outside any request: periodic tasks (declared together in app.ts) and the
 * callbacks of timers and listeners. Nothing here may take the process down
 * (docs/architecture.md#durability): a task or callback that throws or rejects is logged
 * with its name and error, and a periodic task simply runs again at its next interval.
 */
import type { Logger } from "../logger.ts";

export interface BackgroundTask {
  /** Names the task in the log, e.g. "wal-checkpoint". */
  name: string;
  intervalMs: number;
  run: () => unknown;
  /** Also run once when the tasks start. */
  atStart?: boolean;
}

/** An error as one log field: the stack when there is one, so the line says where it came from. */
export function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/**
 * Calls `fn`; a throw or a rejected promise is logged as `what failed` and never escapes.
 * Resolves true when `fn` (and its promise) succeeded.
 */
export async function runGuarded(
  logger: Logger,
  what: string,
  fn: () => unknown,
  fields: Record<string, unknown> = {},
): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch (error) {
    logger.error(`${what} failed`, { ...fields, error: describeError(error) });
    return false;
  }
}

/**
 * Starts every task on its interval, each run guarded. A run still going when the next falls
 * due (a slow sweep) is not started twice. The returned function stops the timers.
 */
export function runBackgroundTasks(tasks: readonly BackgroundTask[], logger: Logger): () => void {
  const timers = tasks.map((task) => {
    let running = false;
    let failedRuns = 0;
    const tick = async () => {
      if (running) return;
      running = true;
      const ok = await runGuarded(logger, "background task", task.run, {
        task: task.name,
        consecutive_failures: failedRuns + 1,
      });
      running = false;
      if (!ok) failedRuns++;
      else if (failedRuns > 0) {
        logger.info("background task recovered", { task: task.name, failed_runs: failedRuns });
        failedRuns = 0;
      }
    };
    if (task.atStart) void tick();
    return setInterval(() => void tick(), task.intervalMs);
  });
  return () => timers.forEach(clearInterval);
}
