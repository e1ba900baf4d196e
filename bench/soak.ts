/**
 * Soak: issue 12's "Done when". Writers send room messages, state events, to-device messages
 * and account data as fast as a real bunduit process answers, for minutes, while hundreds of
 * /sync long-polls stay parked; then every acknowledged write is read back. It passes (exit
 * 0) when the server process is still the one it started, still answers, and nothing
 * acknowledged is missing. The workload is tests/support/soak.ts, which the suite's
 * tests/e2e/soak.test.ts runs for a few seconds.
 *
 *   bun bench/soak.ts [--seconds 600] [--writers 20] [--long-polls 500] [--checkpoint-ms 60000]
 *
 * Loopback only; every loop ends at the deadline, and a watchdog ends the run 5 minutes after it.
 */
import { numberOption } from "./options.ts";
import { rssMiB } from "./process-stats.ts";
import { startServerProcess, tempDir } from "../tests/support/server.ts";
import { runSoak, soakToml } from "../tests/support/soak.ts";

// Bun's fetch runs at most 256 requests at once unless told otherwise: the parked long-polls
// would starve the writers. The limit is read at start, so the bench runs itself again with it.
if (!process.env.BUN_CONFIG_MAX_HTTP_REQUESTS) {
  const child = Bun.spawn([process.execPath, ...process.argv.slice(1)], {
    env: { ...process.env, BUN_CONFIG_MAX_HTTP_REQUESTS: "4096" },
    stdio: ["inherit", "inherit", "inherit"],
  });
  process.exit(await child.exited);
}

const argv = process.argv.slice(2);
const options = {
  seconds: numberOption(argv, "seconds", 600),
  writers: numberOption(argv, "writers", 20),
  longPolls: numberOption(argv, "long-polls", 500, { positive: false }),
  checkpointMs: numberOption(argv, "checkpoint-ms", 60_000),
};

const dir = tempDir("bunduit-soak-");
const server = await startServerProcess({
  dir: dir.path,
  toml: soakToml(dir.path, { tables: `[global.maintenance]\ncheckpoint_interval_ms = ${options.checkpointMs}\n` }),
});
const pid = server.process.pid;
const watchdog = setTimeout(
  () => {
    console.error("soak: watchdog: the run took 5 minutes longer than asked; stopping");
    server.process.kill("SIGKILL");
    dir.remove();
    process.exit(2);
  },
  (options.seconds + 300) * 1000,
);

console.log(
  `bunduit soak: Bun ${Bun.version}, ${navigator.hardwareConcurrency} CPUs, ${options.writers} writers, ${options.longPolls} parked long-polls, ` +
    `${options.seconds} s of writes, a WAL checkpoint every ${options.checkpointMs / 1000} s`,
);
const rss = { start: rssMiB(pid), peak: rssMiB(pid) };
const startedAt = Date.now();
let lastReport = startedAt;
const result = await runSoak({
  url: server.url,
  writers: options.writers,
  longPolls: options.longPolls,
  durationMs: options.seconds * 1000,
  onTick: () => {
    rss.peak = Math.max(rss.peak, rssMiB(pid));
    if (Date.now() - lastReport >= 60_000) {
      lastReport = Date.now();
      console.log(
        `  ${Math.round((lastReport - startedAt) / 1000)} s: server RSS ${rssMiB(pid).toFixed(0)} MiB, up: ${server.process.exitCode === null}`,
      );
    }
  },
});
const rssEnd = rssMiB(pid);
const up =
  server.process.exitCode === null &&
  (await fetch(`${server.url}/_matrix/client/versions`).then(
    (r) => r.ok,
    () => false,
  ));
const errorLines = server
  .output()
  .split("\n")
  .filter((line) => / ERROR /.test(line));

const kinds = ["messages", "state", "toDevice", "accountData"] as const;
console.log(`\n${"write".padEnd(14)}${"acknowledged".padStart(14)}${"read back".padStart(12)}`);
for (const kind of kinds)
  console.log(
    `${kind.padEnd(14)}${String(result.acknowledged[kind]).padStart(14)}${String(result.readBack[kind]).padStart(12)}`,
  );
const total = (counts: typeof result.acknowledged) => kinds.reduce((sum, kind) => sum + counts[kind], 0);
console.log(
  `${"total".padEnd(14)}${String(total(result.acknowledged)).padStart(14)}${String(total(result.readBack)).padStart(12)}`,
);
console.log(`
writes refused (error status or failed request): ${result.refused}
long-polls answered: ${result.longPollsAnswered}, failed: ${result.longPollErrors}
server: ${up ? "up" : "DOWN"}, the process started at the beginning (pid ${pid}, restarts: none${server.process.exitCode === null ? "" : `; it exited with ${server.process.exitCode}`})
server RSS: ${rss.start.toFixed(0)} MiB at start, ${rss.peak.toFixed(0)} MiB peak, ${rssEnd.toFixed(0)} MiB at the end
ERROR lines in the server log: ${errorLines.length}${errorLines.length ? `\n  ${errorLines.slice(0, 5).join("\n  ")}` : ""}
lost: ${result.lost.length === 0 ? "nothing" : `\n  ${result.lost.join("\n  ")}`}`);

clearTimeout(watchdog);
await server.stop();
dir.remove();
const passed = up && result.lost.length === 0 && total(result.readBack) === total(result.acknowledged);
console.log(passed ? "\nPASS: the server stayed up and nothing acknowledged was lost" : "\nFAIL");
process.exit(passed ? 0 : 1);
