/**
 * Waiting on a real condition instead of a time: a test polls what it can observe (an HTTP
 * answer, what a fake peer received) until it holds, and fails with `what` if it never does.
 * The timeout only bounds a failure; a passing test waits as long as the server needs.
 */
export async function until(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
}
