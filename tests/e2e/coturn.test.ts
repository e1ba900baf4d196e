/**
 * TURN end to end: bunduit hands out credentials over HTTP and a real coturn, configured
 * with the same static-auth-secret, allocates a relay with them. Fails (does not skip)
 * when coturn is not installed.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Clock } from "../../src/core/clock.ts";
import { startCoturn, type Coturn } from "../support/coturn.ts";
import { createUser } from "../support/fixtures.ts";
import { createTestServer, type ConfigOverrides } from "../support/server.ts";

const SECRET = "coturn-and-bunduit-share-this";

let coturn: Coturn;
const listeners: { stop: (closeActive?: boolean) => Promise<void> }[] = [];

/** A bunduit listening on a real loopback port; returns the credentials a fresh user gets from it. */
async function credentialsFrom(overrides: ConfigOverrides, clock?: Clock) {
  const server = createTestServer(overrides, clock ? { clock } : {});
  const http = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (request) => server.app.handle(request) });
  listeners.push(http);
  const alice = await createUser(server);
  const res = await fetch(`http://127.0.0.1:${http.port}/_matrix/client/v3/voip/turnServer`, {
    headers: { Authorization: `Bearer ${alice.access_token}` },
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { username: string; password: string; uris: string[]; ttl: number };
  expect(body.username).toEndWith(`:${alice.user_id}`);
  return body;
}

/** coturn refused exactly this username on authentication grounds: it was reached, and said no. */
function refusedByCoturn(username: string): boolean {
  return coturn
    .log()
    .split("\n")
    .some((line) => line.includes("check_stun_auth") && line.includes(`<${username}>`));
}

describe("bunduit's TURN credentials against a real coturn (use-auth-secret)", () => {
  beforeAll(async () => {
    coturn = await startCoturn(SECRET);
  });

  afterAll(async () => {
    await Promise.all(listeners.map((listener) => listener.stop(true)));
    await coturn?.stop();
  });

  test("allocate a relay", async () => {
    const uri = `turn:127.0.0.1:${coturn.port}?transport=udp`;
    const creds = await credentialsFrom({ turn_uris: [uri], turn_secret: SECRET, turn_ttl: 600 });
    expect(creds.uris).toEqual([uri]);
    const allocation = await coturn.allocate(creds.username, creds.password);
    expect(allocation.ok, allocation.output + coturn.log()).toBe(true);
  });

  test("allocate a relay with credentials from the [global.turn] table form", async () => {
    const creds = await credentialsFrom({
      turn: { uris: [`turn:127.0.0.1:${coturn.port}`], secret: SECRET, username: "", password: "", ttl: 60 },
    });
    const allocation = await coturn.allocate(creds.username, creds.password);
    expect(allocation.ok, allocation.output + coturn.log()).toBe(true);
  });

  test("credentials made with a different secret are refused", async () => {
    const creds = await credentialsFrom({
      turn_uris: [`turn:127.0.0.1:${coturn.port}`],
      turn_secret: "not-the-coturn-secret",
    });
    const allocation = await coturn.allocate(creds.username, creds.password);
    expect(allocation.ok).toBe(false);
    expect(refusedByCoturn(creds.username), coturn.log()).toBe(true);
  });

  test("expired credentials are refused", async () => {
    // bunduit's clock two days back with a one-hour ttl: the expiry it writes lies 47 hours in the past.
    const twoDaysAgo: Clock = { now: () => Date.now() - 2 * 86400_000 };
    const creds = await credentialsFrom(
      { turn_uris: [`turn:127.0.0.1:${coturn.port}`], turn_secret: SECRET, turn_ttl: 3600 },
      twoDaysAgo,
    );
    expect(Number(creds.username.split(":")[0])).toBeLessThan(Date.now() / 1000);
    const allocation = await coturn.allocate(creds.username, creds.password);
    expect(allocation.ok).toBe(false);
    expect(refusedByCoturn(creds.username), coturn.log()).toBe(true);
  });
});
