/**
 * What a test file opens, closed for it: test servers and server processes register here
 * when made, and whatever the file has not closed itself is closed when the next file starts
 * (or the run ends). Per file rather than per test: a file may keep a server one test made
 * (a restart) for the tests after it. Closing twice is safe: each close runs once.
 *
 * The hooks run from the preload (tests/setup.ts), which bun:test runs around every test of
 * every file; `Bun.main` names the file being run.
 */

interface Resource {
  file: string;
  close: () => unknown;
}

const open = new Set<Resource>();

/**
 * Registers something to close; returns its close, made safe to call more than once (the
 * first call's result is returned again). The close runs synchronously when called, so a
 * test can close a server and reopen its database at once.
 */
export function closeAfterUse<T>(close: () => T): () => T {
  let closed: { result: T } | undefined;
  const resource: Resource = {
    file: Bun.main,
    close: () => {
      open.delete(resource);
      return (closed ??= { result: close() }).result;
    },
  };
  open.add(resource);
  return () => resource.close() as T;
}

async function closeWhere(which: (resource: Resource) => boolean): Promise<void> {
  const closing = [...open].filter(which);
  const results = await Promise.allSettled(closing.map(async (resource) => resource.close()));
  const index = results.findIndex((result) => result.status === "rejected");
  // Named after the file that left it open: the hook's failure shows up in another file's test.
  if (index >= 0)
    throw new Error(`closing what ${closing[index]!.file} left open failed`, {
      cause: (results[index] as PromiseRejectedResult).reason,
    });
}

/** Preload hooks: before each test (closes what earlier files left open) and after the run. */
export const teardownHooks = {
  beforeEach: () => closeWhere((resource) => resource.file !== Bun.main),
  afterAll: () => closeWhere(() => true),
};
