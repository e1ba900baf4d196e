/**
 * A body that fails validation costs about what the same body costs when it passes. Elysia
 * used to print the whole body indented by depth into the message of every validation
 * error: size times depth, before onError could answer (src/api/plugins/validation-messages.ts).
 */
import { expect, test } from "bun:test";
import { MAX_JSON_DEPTH } from "../../../src/matrix/canonical-json.ts";
import { createUser } from "../../support/fixtures.ts";
import { createTestServer } from "../../support/server.ts";

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

test("refusing a large body nested to the depth limit costs about as much as accepting it", async () => {
  const server = createTestServer();
  const user = await createUser(server);
  const levels = MAX_JSON_DEPTH - 2;
  const deep = `${"[".repeat(levels)}[${"0,".repeat(256 * 1024)}0]${"]".repeat(levels)}`;
  const accepted = `{"actions":["notify"],"x":${deep}}`;
  // No actions: the route's schema refuses it, naming the missing field.
  const refused = `{"x":${deep}}`;
  const put = async (raw: string, status: number) => {
    const started = performance.now();
    const res = await server.request("PUT", "/_matrix/client/v3/pushrules/global/override/cost", {
      raw,
      token: user.access_token,
      headers: { "Content-Type": "application/json" },
    });
    const elapsed = performance.now() - started;
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    return elapsed;
  };
  await put(accepted, 200);
  await put(refused, 400);
  const times = { accepted: [] as number[], refused: [] as number[] };
  for (let round = 0; round < 5; round++) {
    times.accepted.push(await put(accepted, 200));
    times.refused.push(await put(refused, 400));
  }
  // Printed indented, the refused body was about 100 times its size.
  expect(median(times.refused) / median(times.accepted)).toBeLessThan(4);
  server.close();
}, 120_000);
