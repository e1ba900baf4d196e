/**
 * Issue 12: with many clients writing, the WAL checkpoint timer fired inside an open
 * group-commit batch, SQLite refused ("database table is locked") and the process exited.
 * A real bunduit process with a checkpoint every 300 ms takes writes of every kind for more
 * than two checkpoint intervals with long-polls parked; it must stay up, must have
 * checkpointed meanwhile, and must give back every write it acknowledged.
 * bench/soak.ts runs the same workload for minutes.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startServerProcess, tempDir, type ServerProcess } from "../support/server.ts";
import { runSoak, soakToml } from "../support/soak.ts";

const CHECKPOINT_INTERVAL_MS = 300;
const WRITE_MS = 3000;

let dir: ReturnType<typeof tempDir>;
let server: ServerProcess;

beforeAll(async () => {
  dir = tempDir();
  // log = "debug" so that every checkpoint leaves a line to count.
  server = await startServerProcess({
    dir: dir.path,
    toml: soakToml(dir.path, {
      global: 'log = "debug"',
      tables: `[global.maintenance]\ncheckpoint_interval_ms = ${CHECKPOINT_INTERVAL_MS}\n`,
    }),
  });
});

afterAll(async () => {
  await server.stop();
  dir.remove();
});

test("concurrent writers across many checkpoints: the process stays up and nothing acknowledged is lost", async () => {
  const result = await runSoak({
    url: server.url,
    writers: 6,
    longPolls: 24,
    durationMs: WRITE_MS,
    longPollTimeoutMs: 20_000,
  });

  expect(server.process.exitCode).toBeNull();
  expect((await fetch(`${server.url}/_matrix/client/versions`)).status).toBe(200);
  const checkpoints = server
    .output()
    .split("\n")
    .filter((line) => line.includes("WAL checkpoint")).length;
  expect(checkpoints).toBeGreaterThanOrEqual(2);
  expect(server.output()).not.toContain("ERROR");

  expect(result.lost).toEqual([]);
  expect(result.refused).toBe(0);
  expect(result.longPollErrors).toBe(0);
  expect(result.readBack).toEqual(result.acknowledged);
  // Every kind was written (for WRITE_MS, ten checkpoint intervals: the checkpoints fell among the writes).
  for (const count of Object.values(result.acknowledged)) expect(count).toBeGreaterThan(0);
}, 60_000);
