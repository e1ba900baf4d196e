/**
 * The fuzzer (tests/support/fuzz.ts) against every operation of the server's own OpenAPI
 * document. BUNDUIT_FUZZ_SEED=N replays a run; bench/fuzz.ts runs longer.
 */
import { expect, test } from "bun:test";
import { fuzzActors, fuzzSeed, runFuzz } from "../support/fuzz.ts";
import { createTestServer } from "../support/server.ts";

/** Enough to try every kind of break on most operations; a few seconds in-process. */
const CASES_PER_OPERATION = 12;
/**
 * Fixed, so the suite sends the same requests on every run and a failure is not luck; other
 * seeds are explored with BUNDUIT_FUZZ_SEED=N or bench/fuzz.ts, and a seed that finds
 * something is worth a test of its own beside the fix.
 */
const DEFAULT_SEED = 20261208;

test("no malformed request gets a 5xx or a non-Matrix error, and the server stays healthy", async () => {
  const seed = fuzzSeed(DEFAULT_SEED);
  const server = createTestServer();
  try {
    const document = (await server.get("/_bunduit/openapi.json")).body;
    const actors = await fuzzActors(server);
    const run = await runFuzz(server, document, { seed, casesPerOperation: CASES_PER_OPERATION, actors });
    if (run.findings.length > 0) {
      console.error(
        `fuzz seed ${seed} (replay: BUNDUIT_FUZZ_SEED=${seed}): ${run.findings.length} findings in ${run.requests} requests`,
      );
      for (const f of run.findings)
        console.error(`  [${f.kind}] ${f.status} ${f.operation}\n    ${f.request}\n    → ${f.body}`);
    }
    expect({ seed, findings: run.findings.map((f) => `${f.status} [${f.kind}] ${f.operation}`) }).toEqual({
      seed,
      findings: [],
    });
    expect(run.requests).toBeGreaterThan(1_000);

    // Healthy afterwards: discovery answers, and a fresh login works.
    expect((await server.get("/_matrix/client/versions")).status).toBe(200);
    const login = await server.post("/_matrix/client/v3/login", {
      type: "m.login.password",
      identifier: { type: "m.id.user", user: actors.user.user_id },
      password: "correct horse",
    });
    expect(login.status).toBe(200);
    const whoami = await server.get("/_matrix/client/v3/account/whoami", { token: login.body.access_token });
    expect([whoami.status, whoami.body.user_id]).toEqual([200, actors.user.user_id]);
  } finally {
    server.close();
  }
}, 120_000);
