/**
 * What a push rule PUT may cost: the work grows linearly with the body (a deeply nested
 * 240 KB body used to block the event loop for 42 s, quadratically), and a rule's
 * conditions and actions are bounded.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { MAX_JSON_DEPTH } from "../../../src/matrix/canonical-json.ts";
import {
  MAX_RULE_ACTIONS,
  MAX_RULE_CONDITIONS,
  MAX_RULE_JSON_LENGTH,
} from "../../../src/matrix/push-rules/validate.ts";
import { createUser } from "../../support/fixtures.ts";
import { createTestServer } from "../../support/server.ts";

const RULE = "/_matrix/client/v3/pushrules/global/override/hostile";
const SIZES_KB = [30, 60, 120, 240];

/** `levels` arrays inside each other around a flat array of zeros, about `bytes` long in all. */
function nestedAround(levels: number, bytes: number): string {
  const zeros = Math.max(1, Math.floor((bytes - 2 * levels) / 2));
  return `${"[".repeat(levels)}[${"0,".repeat(zeros - 1)}0]${"]".repeat(levels)}`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describe("PUT /pushrules/global/{kind}/{ruleId}: work linear in the body", () => {
  const server = createTestServer();
  afterAll(() => server.close());

  /** Bodies of about `kb` KB: the (all depth), and as deep as the edge allows around a wide array. */
  const shapes: Record<string, (kb: number) => string> = {
    "nested as deep as the body is long": (kb) => `{"x":${"[".repeat(kb * 512)}${"]".repeat(kb * 512)}}`,
    "at the depth limit, missing actions": (kb) => `{"x":${nestedAround(MAX_JSON_DEPTH - 2, kb * 1024)}}`,
    "at the depth limit, in an unknown condition": (kb) =>
      `{"actions":["notify"],"conditions":[{"kind":"org.example","v":${nestedAround(MAX_JSON_DEPTH - 4, kb * 1024)}}]}`,
    "at the depth limit, in a bad condition": (kb) =>
      `{"actions":[],"conditions":[{"kind":1,"v":${nestedAround(MAX_JSON_DEPTH - 4, kb * 1024)}}]}`,
  };

  for (const [shape, body] of Object.entries(shapes)) {
    test(`${shape}: 30 to 240 KB take at most about linearly longer, and never fail`, async () => {
      const user = await createUser(server);
      const put = async (raw: string) => {
        const started = performance.now();
        const res = await server.request("PUT", RULE, {
          raw,
          token: user.access_token,
          headers: { "Content-Type": "application/json" },
        });
        const elapsed = performance.now() - started;
        // Stored while under the rule size bound, refused above it.
        expect([200, 400], JSON.stringify(res.body)).toContain(res.status);
        if (res.status === 400) expect(["M_BAD_JSON", "M_MISSING_PARAM"]).toContain(res.body.errcode);
        return elapsed;
      };
      const whoami = async () => {
        const started = performance.now();
        expect((await server.get("/_matrix/client/v3/account/whoami", { token: user.access_token })).status).toBe(200);
        return performance.now() - started;
      };
      const bodies = SIZES_KB.map(body);
      await put(bodies[0]!); // warm up: the route is compiled on its first request
      const trivial: number[] = [];
      const times = new Map<number, number[]>(SIZES_KB.map((kb) => [kb, []]));
      for (let round = 0; round < 5; round++) {
        trivial.push(await whoami());
        for (const [i, kb] of SIZES_KB.entries()) times.get(kb)!.push(await put(bodies[i]!));
      }
      const [t30, , , t240] = SIZES_KB.map((kb) => median(times.get(kb)!));
      // Eight times the body may take eight times as long; quadratic work would be 64 times.
      // Below a few trivial requests' time the ratio is noise, so the small body counts at least that.
      const floor = 10 * median(trivial) + 2;
      expect(t240! / Math.max(t30!, floor)).toBeLessThan(3 * 8);
    }, 120_000);
  }
});

describe("PUT /pushrules/global/{kind}/{ruleId}: bounded rules", () => {
  const server = createTestServer();
  afterAll(() => server.close());
  const condition = (i: number) => ({ kind: "event_match", key: "content.body", pattern: `word${i}` });

  test(`up to ${MAX_RULE_CONDITIONS} conditions and ${MAX_RULE_ACTIONS} actions are kept; more are 400 M_BAD_JSON`, async () => {
    const user = await createUser(server);
    const as = { token: user.access_token };
    const conditions = Array.from({ length: MAX_RULE_CONDITIONS }, (_, i) => condition(i));
    const actions = [
      "notify",
      ...Array.from({ length: MAX_RULE_ACTIONS - 1 }, (_, i) => ({ set_tweak: `org.example.t${i}`, value: i })),
    ];
    expect((await server.put(RULE, { conditions, actions }, as)).status).toBe(200);
    expect((await server.get(RULE, as)).body).toMatchObject({ conditions, actions });

    const tooMany = await server.put(RULE, { conditions: [...conditions, condition(99)], actions }, as);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toEqual({
      errcode: "M_BAD_JSON",
      error: `Invalid 'conditions': more than ${MAX_RULE_CONDITIONS} conditions`,
    });
    const tooManyActions = await server.put(RULE, { conditions, actions: [...actions, "notify"] }, as);
    expect(tooManyActions.status).toBe(400);
    expect(tooManyActions.body).toEqual({
      errcode: "M_BAD_JSON",
      error: `Invalid 'actions': more than ${MAX_RULE_ACTIONS} actions`,
    });
    const tooManyOnActions = await server.put(`${RULE}/actions`, { actions: [...actions, "notify"] }, as);
    expect(tooManyOnActions.status).toBe(400);
  });

  test(`unknown condition kinds and tweak values are kept up to ${MAX_RULE_JSON_LENGTH} characters of JSON`, async () => {
    const user = await createUser(server);
    const as = { token: user.access_token };
    const big = "x".repeat(MAX_RULE_JSON_LENGTH);
    const unknown = await server.put(
      RULE,
      { conditions: [{ kind: "org.example.future", data: big }], actions: ["notify"] },
      as,
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toContain(`longer than ${MAX_RULE_JSON_LENGTH} characters`);
    const tweak = await server.put(RULE, { actions: [{ set_tweak: "org.example.big", value: big }] }, as);
    expect(tweak.status).toBe(400);
    expect(tweak.body.errcode).toBe("M_BAD_JSON");
    expect(
      (await server.put(RULE, { conditions: [{ kind: "org.example.future", data: "small" }], actions: ["notify"] }, as))
        .status,
    ).toBe(200);
  });
});
