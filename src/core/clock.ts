/** Time as the core sees it; tests may pass their own. */
export interface Clock {
  now(): number;
  /**
   * Runs `fn` once `ms` have passed on this clock; the returned function cancels it. A clock
   * without it (the system's) times with setTimeout; a test's manual clock fires its timers
   * when the test moves it, so timed behaviour needs no real waiting.
   */
  setTimer?(fn: () => void, ms: number): () => void;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A timer on `clock`'s time that never keeps the process alive; returns its cancel. */
export function setTimer(clock: Clock, fn: () => void, ms: number): () => void {
  if (clock.setTimer) return clock.setTimer(fn, ms);
  const timer = setTimeout(fn, ms);
  timer.unref?.();
  return () => clearTimeout(timer);
}
