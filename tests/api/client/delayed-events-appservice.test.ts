/**
 * Delayed events (MSC4140) scheduled and managed by an application service for its users,
 * as a call service acting for many participants would: the registration's
 * `rate_limited: false` exempts them from the `message` and `delayed_event_management`
 * limits, as it does elsewhere; ordinary users and `rate_limited: true` users stay limited.
 */
import { describe, expect, test } from "bun:test";
import { registerAppservice } from "../../support/fake-appservice.ts";
import { TEST_TYPE } from "../../support/delayed-events.ts";
import { newUser, roomPath } from "../../support/rooms.ts";
import { createTestServer } from "../../support/server.ts";

const UNSTABLE = "/_matrix/client/unstable/org.matrix.msc4140";
const BURST = 2;
const ATTEMPTS = 5;

function limitedServer() {
  return createTestServer({
    rate_limits: {
      enabled: true,
      message: { per_second: 0.001, burst: BURST },
      delayed_event_management: { per_second: 0.001, burst: BURST },
    },
  });
}

/** Schedules ATTEMPTS delayed events and restarts the first ATTEMPTS times; returns the statuses of each. */
async function scheduleAndRestart(server: ReturnType<typeof limitedServer>, token: string, asUser?: string) {
  const as = (path: string) =>
    asUser ? `${path}${path.includes("?") ? "&" : "?"}user_id=${encodeURIComponent(asUser)}` : path;
  const roomId = (await server.post(as("/_matrix/client/v3/createRoom"), { preset: "private_chat" }, { token })).body
    .room_id as string;
  expect(roomId).toBeString();
  const scheduling: number[] = [];
  const delayIds: string[] = [];
  for (let i = 0; i < ATTEMPTS; i++) {
    const res = await server.put(
      as(roomPath(roomId, `/send/${TEST_TYPE}/t${i}?org.matrix.msc4140.delay=60000`)),
      { i },
      { token },
    );
    scheduling.push(res.status);
    if (res.status === 200) delayIds.push(res.body.delay_id as string);
  }
  const restarts: number[] = [];
  for (let i = 0; i < ATTEMPTS; i++) {
    restarts.push((await server.post(as(`${UNSTABLE}/delayed_events/${delayIds[0]}/restart`), {}, { token })).status);
  }
  return { scheduling, restarts };
}

const limitedStatuses = [...Array<number>(BURST).fill(200), ...Array<number>(ATTEMPTS - BURST).fill(429)];
const unlimitedStatuses = Array<number>(ATTEMPTS).fill(200);

describe("rate limits on delayed events for application services", () => {
  test("users of a rate_limited: false appservice are not limited; ordinary users are", async () => {
    const server = limitedServer();
    const appservice = registerAppservice(server, { rate_limited: false });
    const userId = `@_${appservice.id}_caller:test.local`;
    const registered = await server.post(
      "/_matrix/client/v3/register",
      { type: "m.login.application_service", username: `_${appservice.id}_caller` },
      { token: appservice.as_token },
    );
    expect(registered.status).toBe(200);
    expect(await scheduleAndRestart(server, appservice.as_token, userId)).toEqual({
      scheduling: unlimitedStatuses,
      restarts: unlimitedStatuses,
    });

    const ordinary = await newUser(server);
    expect(await scheduleAndRestart(server, ordinary.access_token)).toEqual({
      scheduling: limitedStatuses,
      restarts: limitedStatuses,
    });
    server.close();
  });

  test("users of a rate-limited appservice are limited like anyone", async () => {
    const server = limitedServer();
    const appservice = registerAppservice(server);
    const userId = `@_${appservice.id}_caller:test.local`;
    await server.post(
      "/_matrix/client/v3/register",
      { type: "m.login.application_service", username: `_${appservice.id}_caller` },
      { token: appservice.as_token },
    );
    expect(await scheduleAndRestart(server, appservice.as_token, userId)).toEqual({
      scheduling: limitedStatuses,
      restarts: limitedStatuses,
    });
    server.close();
  });

  test("the appservice's own sender is never limited", async () => {
    const server = limitedServer();
    const appservice = registerAppservice(server);
    expect(await scheduleAndRestart(server, appservice.as_token)).toEqual({
      scheduling: unlimitedStatuses,
      restarts: unlimitedStatuses,
    });
    server.close();
  });
});
