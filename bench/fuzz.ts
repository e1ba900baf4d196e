/**
 * The suite's fuzzer (tests/support/fuzz.ts) for longer: rounds over every operation of the
 * OpenAPI document, seeds seed, seed+1, … on one server, until --seconds have passed.
 *   bun bench/fuzz.ts --seconds 600 --seed 42
 * Prints every finding with the seed that replays it (BUNDUIT_FUZZ_SEED=N in the suite test,
 * or --seed N --rounds 1 here) and exits 1 if there was any.
 */
import { fuzzActors, runFuzz } from "../tests/support/fuzz.ts";
import { createTestServer } from "../tests/support/server.ts";
import { numberOption } from "./options.ts";

const argv = process.argv.slice(2);
const seconds = numberOption(argv, "seconds", 60);
const firstSeed = numberOption(argv, "seed", Math.floor(Math.random() * 2 ** 31), { positive: false });
const rounds = argv.includes("--rounds") ? numberOption(argv, "rounds", 1) : Number.POSITIVE_INFINITY;
const cases = numberOption(argv, "cases", 12);

const server = createTestServer();
const document = (await server.get("/_bunduit/openapi.json")).body;
const actors = await fuzzActors(server);
const started = Date.now();
const deadline = started + seconds * 1000;
let requests = 0;
let findings = 0;
let round = 0;
for (; round < rounds && Date.now() < deadline; round++) {
  const seed = firstSeed + round;
  const run = await runFuzz(server, document, { seed, casesPerOperation: cases, deadline, actors });
  requests += run.requests;
  findings += run.findings.length;
  for (const f of run.findings)
    console.log(`seed ${seed} [${f.kind}] ${f.status} ${f.operation}\n  ${f.request}\n  → ${f.body}`);
}
const healthy = (await server.get("/_matrix/client/versions")).status === 200;
console.log(
  `${requests} requests in ${round} rounds (seeds ${firstSeed}…${firstSeed + round - 1}), ${((Date.now() - started) / 1000).toFixed(1)} s: ` +
    `${findings} findings; server ${healthy ? "healthy" : "NOT answering /versions"}`,
);
server.close();
process.exit(findings > 0 || !healthy ? 1 : 0);
