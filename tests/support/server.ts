/**
 * Test servers. `createTestServer` drives the real app in-process through app.handle on a
 * real (in-memory or temp-file) SQLite database; `startServerProcess` runs the real
 * entry point on a free port, for tests where sockets, long-polls, restarts or kills matter.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../../src/app.ts";
import { loadConfig, type Config } from "../../src/config.ts";
import type { Clock } from "../../src/core/clock.ts";
import { createLogger } from "../../src/logger.ts";
import { openDatabase } from "../../src/storage/database.ts";
import { closeAfterUse } from "./teardown.ts";

export type ConfigOverrides = {
  [K in keyof Config]?: Config[K] extends object ? Partial<Config[K]> | Config[K] : Config[K];
};

/** A config as conduit.toml would give it: the schema's defaults plus overrides. */
export function testConfig(overrides: ConfigOverrides = {}): Config {
  const base = loadConfig("", {}).config;
  const merged = structuredClone(base) as Record<string, unknown>;
  for (const [key, value] of Object.entries(overrides)) {
    const current = merged[key];
    merged[key] =
      value && typeof value === "object" && !Array.isArray(value) && current && typeof current === "object"
        ? { ...(current as object), ...value }
        : value;
  }
  return {
    ...(merged as Config),
    rate_limits: { ...(merged as Config).rate_limits, enabled: overrides.rate_limits?.enabled ?? false },
  };
}

export interface TestResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  body?: unknown;
  /** An access token sent as a Bearer header. */
  token?: string;
  headers?: Record<string, string>;
  /** A raw body (string or bytes) sent as is. */
  raw?: string | Uint8Array | Blob | ReadableStream<Uint8Array>;
}

export function createTestServer(
  overrides: ConfigOverrides = {},
  options: { databasePath?: string; clock?: Clock } = {},
) {
  // Media files go beside a file database, else into a temp directory made on first upload.
  const mediaPath = options.databasePath
    ? join(options.databasePath, "media")
    : join(tmpdir(), `bunduit-test-media-${crypto.randomUUID()}`);
  const config = testConfig({
    server_name: "test.local",
    ...overrides,
    media: { path: mediaPath, ...overrides.media },
  });
  const db = openDatabase(options.databasePath ?? ":memory:");
  const built = createApp({
    config,
    db,
    logger: createLogger("error"),
    ...(options.clock ? { clock: options.clock } : {}),
  });

  const close = closeAfterUse(() => {
    built.shutdown();
    db.close();
    if (!options.databasePath && !overrides.media?.path) rmSync(mediaPath, { recursive: true, force: true });
  });

  async function request<T = any>(method: string, path: string, opts: RequestOptions = {}): Promise<TestResponse<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
    let body: RequestOptions["raw"] = opts.raw;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers["Content-Type"] ??= "application/json";
    }
    const response = await built.app.handle(
      new Request(`http://localhost${path}`, { method, headers, ...(body !== undefined ? { body } : {}) }),
    );
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      // not JSON: leave the text
    }
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  return {
    ...built,
    config,
    db,
    request,
    get: <T = any>(path: string, opts?: RequestOptions) => request<T>("GET", path, opts),
    post: <T = any>(path: string, body?: unknown, opts?: RequestOptions) => request<T>("POST", path, { ...opts, body }),
    put: <T = any>(path: string, body?: unknown, opts?: RequestOptions) => request<T>("PUT", path, { ...opts, body }),
    delete: <T = any>(path: string, opts?: RequestOptions) => request<T>("DELETE", path, opts),
    /** Closes the server; the test teardown does so if the test does not (see teardown.ts). */
    close,
  };
}

export type TestServer = ReturnType<typeof createTestServer>;

/** A temp directory removed by the returned cleanup. */
export function tempDir(prefix = "bunduit-test-"): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export async function freePort(): Promise<number> {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = server.port!;
  await server.stop(true);
  return port;
}

export interface ServerProcess {
  url: string;
  port: number;
  dir: string;
  process: ReturnType<typeof Bun.spawn>;
  /** Output so far (stdout and stderr). */
  output: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<number>;
}

/**
 * Runs `bun src/main.ts serve` (or a built binary) with a conduit.toml in `dir`, waits
 * until /versions answers, and returns the running process. `port` reuses a port (a
 * restart on the same dir and port), else a free one is picked.
 */
export async function startServerProcess(
  options: { dir: string; toml?: string; env?: Record<string, string>; command?: string[]; port?: number } = {
    dir: tempDir().path,
  },
): Promise<ServerProcess> {
  const port = options.port ?? (await freePort());
  const toml =
    options.toml ??
    `[global]\nserver_name = "test.local"\ndatabase_path = "${join(options.dir, "data")}"\nport = ${port}\n[global.rate_limits]\nenabled = false\n`;
  writeFileSync(join(options.dir, "conduit.toml"), toml.replace(/port = \d+/, `port = ${port}`));
  const command = options.command ?? [process.execPath, join(import.meta.dir, "../../src/main.ts")];
  const child = Bun.spawn([...command, "serve", "--config", join(options.dir, "conduit.toml")], {
    cwd: options.dir,
    env: { ...process.env, BUNDUIT_TEST: "", ...options.env },
    stdout: "pipe",
    stderr: "pipe",
  });
  let output = "";
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) output += new TextDecoder().decode(chunk);
  };
  void collect(child.stdout as ReadableStream<Uint8Array>);
  void collect(child.stderr as ReadableStream<Uint8Array>);
  const url = `http://127.0.0.1:${port}`;
  // Starting takes seconds on a loaded machine; the test's own timeout bounds the wait too.
  for (const deadline = Date.now() + 30_000; ; ) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output}`);
    try {
      if ((await fetch(`${url}/_matrix/client/versions`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server did not start:\n${output}`);
    await Bun.sleep(25);
  }
  // A process the test leaves running is killed when the test (or its file) ends.
  const kill = closeAfterUse(() => {
    child.kill("SIGKILL");
    return child.exited;
  });
  return {
    url,
    port,
    dir: options.dir,
    process: child,
    output: () => output,
    stop: async (signal = "SIGTERM") => {
      child.kill(signal);
      const code = await child.exited;
      void kill();
      return code;
    },
  };
}
