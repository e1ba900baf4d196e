/**
 * Delayed-event (MSC4140) fixtures over HTTP: schedule with the query parameter Element
 * Call uses, manage and list through the unstable endpoints, wait for the timer.
 */
import { expect } from "bun:test";
import { randomBytes } from "node:crypto";
import type { TestUser } from "./fixtures.ts";
import { roomPath } from "./rooms.ts";
import type { TestServer } from "./server.ts";

export const UNSTABLE = "/_matrix/client/unstable/org.matrix.msc4140";
export const DELAYED = `${UNSTABLE}/delayed_events`;
export const TEST_TYPE = "com.example.test";

let txn = 0;

/** PUT /state with ?org.matrix.msc4140.delay; returns the delay_id. */
export async function scheduleState(
  server: TestServer,
  user: TestUser,
  roomId: string,
  stateKey: string,
  content: unknown,
  delayMs: number,
  type = TEST_TYPE,
): Promise<string> {
  const res = await server.put(
    roomPath(roomId, `/state/${type}/${encodeURIComponent(stateKey)}?org.matrix.msc4140.delay=${delayMs}`),
    content,
    { token: user.access_token },
  );
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(Object.keys(res.body)).toEqual(["delay_id"]);
  return res.body.delay_id as string;
}

/** PUT /send with ?org.matrix.msc4140.delay; returns the delay_id. */
export async function scheduleMessage(
  server: TestServer,
  user: TestUser,
  roomId: string,
  content: unknown,
  delayMs: number,
  txnId = `dt${++txn}`,
): Promise<string> {
  const res = await server.put(
    roomPath(roomId, `/send/${TEST_TYPE}/${txnId}?org.matrix.msc4140.delay=${delayMs}`),
    content,
    { token: user.access_token },
  );
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.delay_id as string;
}

/** The user's scheduled delayed events (the list complement counts). */
export async function scheduled(server: TestServer, user: TestUser): Promise<Array<Record<string, any>>> {
  const res = await server.get(DELAYED, { token: user.access_token });
  expect(res.status).toBe(200);
  return res.body.delayed_events;
}

/** One of the user's delayed events, finalised or not. */
export async function lookup(server: TestServer, user: TestUser, delayId: string): Promise<Record<string, any>> {
  return (await server.get(`${DELAYED}/${delayId}`, { token: user.access_token })).body;
}

/** POST …/delayed_events/{delay_id}/{action} without an access token. */
export const manage = (server: TestServer, delayId: string, action: string) =>
  server.post(`${DELAYED}/${delayId}/${action}`, {});

export async function stateOf(server: TestServer, user: TestUser, roomId: string, stateKey: string, type = TEST_TYPE) {
  return server.get(roomPath(roomId, `/state/${type}/${encodeURIComponent(stateKey)}`), { token: user.access_token });
}

/** The stored row of a delayed event, finalised or not: what nobody can look up over HTTP once its user is deactivated. */
export function storedDelayedEvent(server: TestServer, delayId: string) {
  return server.stores.delayedEvents.selectDelayedEvent(delayId);
}

/**
 * Writes `count` scheduled state events of `user` straight to the store, due an hour after
 * `now` (the i-th i ms later): a bulk for tests where only what follows is under test.
 */
export function storeScheduledInBulk(
  server: TestServer,
  user: TestUser,
  roomId: string,
  count: number,
  now: number,
): string[] {
  const ids = Array.from({ length: count }, () => randomBytes(16).toString("base64url"));
  server.stores.transaction(() => {
    for (const [i, delay_id] of ids.entries()) {
      server.stores.delayedEvents.insertDelayedEvent({
        delay_id,
        user_id: user.user_id,
        device_id: user.device_id,
        room_id: roomId,
        type: TEST_TYPE,
        state_key: `bulk${i}`,
        content: "{}",
        delay_ms: 3_600_000 + i,
        send_ts: now + 3_600_000 + i,
        txn_scope: null,
        txn_id: null,
        created_ts: now,
      });
    }
  });
  return ids;
}

/** How many delayed events of the user the store holds scheduled (not finalised). */
export const storedScheduledCount = (server: TestServer, userId: string): number =>
  server.stores.delayedEvents.countScheduledByUser(userId);

export { until } from "./wait.ts";
