/**
 * Pushing to appservices over real HTTP: a fake appservice (Bun.serve) receives the
 * transactions. Without the rooms engine, the traffic is to-device messages, device-list
 * changes and ephemeral data, which go through the same durable queue as room events.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { deviceKeysFor, signedKeys } from "../../support/e2ee.ts";
import {
  appserviceBacklog,
  appserviceDeliveriesSettled,
  enqueueEphemeral,
  registerAppservice,
  startAppserviceDelivery,
  startFakeAppservice,
  stopAppserviceDelivery,
  storedAppserviceTransaction,
  type FakeAppservice,
} from "../../support/fake-appservice.ts";
import { createUser, type TestUser } from "../../support/fixtures.ts";
import { createTestServer, type TestServer } from "../../support/server.ts";
import { until } from "../../support/wait.ts";
import { pendingToDevice } from "../../support/to-device.ts";

const FAST = { retry_min_ms: 20, retry_max_ms: 160, request_timeout_ms: 2000, poll_interval_ms: 50 };
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(
  registrationOverrides: Record<string, unknown> = {},
  appservices: Partial<typeof FAST> & { transaction_batch_size?: number } = {},
) {
  const fake = await startFakeAppservice();
  const server = createTestServer({ appservices: { ...FAST, ...appservices } });
  const as = registerAppservice(server, {
    url: fake.url,
    hs_token: fake.hsToken,
    receive_ephemeral: true,
    ...registrationOverrides,
  });
  const ghost = await server.post(
    "/_matrix/client/v3/register",
    { type: "m.login.application_service", username: `_${as.id}_ghost`, device_id: "GHOSTDEV" },
    { token: as.as_token },
  );
  const sender = await createUser(server);
  startAppserviceDelivery(server);
  cleanups.push(
    () => fake.stop(),
    () => stopAppserviceDelivery(server),
  );
  return { fake, server, as, ghost: ghost.body as TestUser, sender };
}

let txn = 0;
function sendToDevice(
  server: TestServer,
  from: TestUser,
  to: string,
  deviceId: string,
  content: Record<string, unknown>,
) {
  return server.put(
    `/_matrix/client/v3/sendToDevice/m.test/t${++txn}`,
    { messages: { [to]: { [deviceId]: content } } },
    { token: from.access_token },
  );
}

function toDevice(fake: FakeAppservice) {
  return fake.items("de.sorunome.msc2409.to_device");
}

describe("to-device messages for the appservice's users", () => {
  test("arrive in a transaction with the hs_token, with recipient fields, and leave the device inbox", async () => {
    const { fake, server, ghost, sender } = await setup();
    expect((await sendToDevice(server, sender, ghost.user_id, "GHOSTDEV", { n: 1 })).status).toBe(200);
    await fake.waitFor(() => toDevice(fake).length === 1);
    expect(fake.requests.find((r) => r.path.startsWith("/_matrix/app/v1/transactions/"))?.authorization).toBe(
      `Bearer ${fake.hsToken}`,
    );
    expect(fake.delivered()[0]!.body).toEqual({
      events: [],
      "de.sorunome.msc2409.to_device": [
        {
          sender: sender.user_id,
          type: "m.test",
          content: { n: 1 },
          to_user_id: ghost.user_id,
          to_device_id: "GHOSTDEV",
        },
      ],
    });
    expect(pendingToDevice(server, ghost.user_id, "GHOSTDEV")).toBe(0);
  });

  test("appservices with only the unstable flag get the MSC2409 names; others get nothing", async () => {
    const { fake, server, ghost, sender } = await setup({
      receive_ephemeral: false,
      "de.sorunome.msc2409.push_ephemeral": true,
    });
    await sendToDevice(server, sender, ghost.user_id, "GHOSTDEV", { n: 1 });
    await fake.waitFor(() => toDevice(fake).length === 1);
    const plain = await setup({ receive_ephemeral: false });
    await sendToDevice(plain.server, plain.sender, plain.ghost.user_id, "GHOSTDEV", { n: 1 });
    await appserviceDeliveriesSettled(plain.server);
    expect(plain.fake.received).toEqual([]);
    // Not handed to the appservice: the message waits for the device itself.
    expect(pendingToDevice(plain.server, plain.ghost.user_id, "GHOSTDEV")).toBe(1);
  });

  test("a transaction stops taking items past about a megabyte", async () => {
    const { fake, server, ghost, sender } = await setup();
    await stopAppserviceDelivery(server);
    const big = "x".repeat(300_000);
    for (let i = 0; i < 8; i++) await sendToDevice(server, sender, ghost.user_id, "GHOSTDEV", { n: i, big });
    startAppserviceDelivery(server);
    await fake.waitFor(() => toDevice(fake).length === 8);
    expect(fake.delivered().map((t) => t.body["de.sorunome.msc2409.to_device"].length)).toEqual([4, 4]);
    expect(toDevice(fake).map((m) => m.content.n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  test("an appservice only watching a user (non-exclusive) does not take the user's messages", async () => {
    const { fake, server, ghost, sender } = await setup({
      namespaces: { users: [{ regex: "@_as[0-9]+_.*", exclusive: false }] },
    });
    await sendToDevice(server, sender, ghost.user_id, "GHOSTDEV", { n: 1 });
    await appserviceDeliveriesSettled(server);
    expect(toDevice(fake)).toEqual([]);
    expect(pendingToDevice(server, ghost.user_id, "GHOSTDEV")).toBe(1);
  });

  test("batches are bounded, in order, one transaction in flight at a time", async () => {
    const { fake, server, ghost, sender } = await setup({}, { transaction_batch_size: 3 });
    let inFlight = 0;
    let maxInFlight = 0;
    fake.onRequest(async () => {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await Bun.sleep(5);
      inFlight--;
      return undefined;
    });
    for (let i = 0; i < 10; i++) await sendToDevice(server, sender, ghost.user_id, "GHOSTDEV", { n: i });
    await fake.waitFor(() => toDevice(fake).length === 10);
    expect(toDevice(fake).map((m) => m.content.n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(
      Math.max(...fake.delivered().map((t) => t.body["de.sorunome.msc2409.to_device"].length)),
    ).toBeLessThanOrEqual(3);
    expect(maxInFlight).toBe(1);
    const ids = fake.delivered().map((t) => Number(t.txnId));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });
});

describe("faults", () => {
  test("500s are retried with the same txnId and body until the appservice recovers", async () => {
    const { fake, server, ghost, sender } = await setup();
    let failures = 0;
    fake.onRequest(() => (failures < 4 ? (failures++, new Response("overloaded", { status: 500 })) : undefined));
    for (let i = 0; i < 5; i++) await sendToDevice(server, sender, ghost.user_id, "GHOSTDEV", { n: i });
    await fake.waitFor(() => toDevice(fake).length === 5);
    expect(failures).toBe(4);
    expect(toDevice(fake).map((m) => m.content.n)).toEqual([0, 1, 2, 3, 4]);
    const transactionRequests = fake.requests.filter((r) => r.path.startsWith("/_matrix/app/v1/transactions/"));
    // The failed attempts all carried the first transaction, byte for byte.
    expect(new Set(transactionRequests.slice(0, 5).map((r) => `${r.path}\n${r.body}`)).size).toBe(1);
  });

  test("an appservice unreachable for a while gets everything, once, when it returns", async () => {
    const { fake, server, as, ghost, sender } = await setup();
    await fake.goDown();
    for (let i = 0; i < 20; i++) await sendToDevice(server, sender, ghost.user_id, "GHOSTDEV", { n: i });
    await until("a failed attempt", () => appserviceBacklog(server, as.id).attempts > 0);
    expect(appserviceBacklog(server, as.id).attempts).toBeGreaterThan(0);
    fake.comeBack();
    await fake.waitFor(() => toDevice(fake).length === 20, 5000);
    expect(toDevice(fake).map((m) => m.content.n)).toEqual([...Array(20).keys()]);
    // The appservice has the transaction before bunduit has its answer.
    await appserviceDeliveriesSettled(server);
    expect(appserviceBacklog(server, as.id)).toEqual({
      queued_items: 0,
      attempts: 0,
      pending_txn_id: undefined,
      last_error: undefined,
    });
  });

  test("a lost 200 is answered by a retry with the same transaction, which the appservice dedupes", async () => {
    const { fake, server, ghost, sender } = await setup({}, { request_timeout_ms: 100 });
    let stalled = false;
    fake.onRequest(async () => {
      if (stalled) return undefined;
      stalled = true;
      await Bun.sleep(300); // the homeserver gives up first; the appservice sees the transaction anyway
      return undefined;
    });
    await sendToDevice(server, sender, ghost.user_id, "GHOSTDEV", { n: 1 });
    await sendToDevice(server, sender, ghost.user_id, "GHOSTDEV", { n: 2 });
    // The stalled first attempt, its retry, and the transaction with the second message.
    await fake.waitFor(() => fake.received.length === 3, 5000);
    expect(fake.delivered().length).toBe(2);
    expect(toDevice(fake).map((m) => m.content.n)).toEqual([1, 2]);
  });

  test("a successful ping ends a long backoff at once", async () => {
    const { fake, server, as, ghost, sender } = await setup({}, { retry_min_ms: 60_000, retry_max_ms: 60_000 });
    fake.onRequest(() => new Response("starting up", { status: 503 }));
    await sendToDevice(server, sender, ghost.user_id, "GHOSTDEV", { n: 1 });
    await fake.waitFor(() => fake.requests.length === 1);
    fake.onRequest(undefined);
    const ping = await server.post(`/_matrix/client/v1/appservice/${as.id}/ping`, {}, { token: as.as_token });
    expect(ping.status).toBe(200);
    await fake.waitFor(() => toDevice(fake).length === 1, 2000);
  });

  test("a stopped server leaves the pending transaction stored and sends it again at the next start", async () => {
    const { fake, server, as, ghost, sender } = await setup();
    fake.onRequest(() => new Response("down for maintenance", { status: 503 }));
    await sendToDevice(server, sender, ghost.user_id, "GHOSTDEV", { n: 1 });
    await fake.waitFor(() => fake.requests.length > 0);
    // The fake has the request before the server has the 503: stopping sooner would drop the failure.
    await until("the 503 to be recorded", () => appserviceBacklog(server, as.id).last_error !== undefined);
    await stopAppserviceDelivery(server);
    const stored = storedAppserviceTransaction(server, as.id)!;
    expect(stored.last_error).toBe("the appservice answered 503");
    fake.onRequest(undefined);
    startAppserviceDelivery(server);
    await fake.waitFor(() => fake.delivered().length === 1);
    expect(fake.delivered()[0]).toMatchObject({ txnId: String(stored.txn_id), raw: stored.body });
  });
});

describe("ephemeral data, device lists and key counts", () => {
  test("enqueueEphemeral delivers presence for namespace users and room data for rooms of interest", async () => {
    const namespaces = {
      users: [{ regex: "@_as[0-9]+_.*", exclusive: false }],
      rooms: [{ regex: "!bridged", exclusive: false }],
    };
    const { fake, server, ghost, sender } = await setup({ namespaces });
    enqueueEphemeral(server, { type: "m.presence", sender: ghost.user_id, content: { presence: "online" } });
    enqueueEphemeral(server, { type: "m.presence", sender: sender.user_id, content: { presence: "online" } });
    enqueueEphemeral(server, {
      type: "m.typing",
      room_id: "!elsewhere:test.local",
      content: { user_ids: [sender.user_id] },
    });
    enqueueEphemeral(server, {
      type: "m.typing",
      room_id: "!bridged:test.local",
      content: { user_ids: [sender.user_id] },
    });
    const receipts = {
      $e: {
        "m.read": { [sender.user_id]: { ts: 1 } },
        "m.read.private": { [sender.user_id]: { ts: 1 }, [ghost.user_id]: { ts: 2 } },
      },
    };
    enqueueEphemeral(server, { type: "m.receipt", room_id: "!bridged:test.local", content: receipts });
    await fake.waitFor(() => fake.items("ephemeral").length === 3);
    expect(fake.items("ephemeral")).toEqual([
      { type: "m.presence", sender: ghost.user_id, content: { presence: "online" } },
      { type: "m.typing", room_id: "!bridged:test.local", content: { user_ids: [sender.user_id] } },
      // Private read receipts only for the appservice's own users (spec v1.13).
      {
        type: "m.receipt",
        room_id: "!bridged:test.local",
        content: {
          $e: { "m.read": { [sender.user_id]: { ts: 1 } }, "m.read.private": { [ghost.user_id]: { ts: 2 } } },
        },
      },
    ]);
  });

  test("device-list changes and one-time key counts reach appservices with org.matrix.msc3202", async () => {
    const { fake, server, as, ghost } = await setup({ "org.matrix.msc3202": true });
    const device = deviceKeysFor({ user_id: ghost.user_id, device_id: "GHOSTDEV" });
    const asGhost = `?user_id=${encodeURIComponent(ghost.user_id)}&device_id=GHOSTDEV`;
    const upload = await server.post(
      `/_matrix/client/v3/keys/upload${asGhost}`,
      { device_keys: device.device_keys, one_time_keys: signedKeys(ghost.user_id, device, ["AAAA", "AAAB"]) },
      { token: as.as_token },
    );
    expect(upload.status).toBe(200);
    await fake.waitFor(() => fake.delivered().some((t) => t.body["org.matrix.msc3202.device_lists"]));
    const body = fake.delivered().find((t) => t.body["org.matrix.msc3202.device_lists"])!.body;
    expect(body["org.matrix.msc3202.device_lists"]).toEqual({ changed: [ghost.user_id], left: [] });
    expect(body["org.matrix.msc3202.device_one_time_keys_count"][ghost.user_id].GHOSTDEV).toEqual({
      signed_curve25519: 2,
    });
    expect(body["org.matrix.msc3202.device_unused_fallback_key_types"][ghost.user_id]).toEqual({ GHOSTDEV: [] });
  });
});
