import { describe, expect, test } from "bun:test";
import { createUser, setDeviceDisplayName, type TestUser } from "../../support/fixtures.ts";
import { deviceKeysFor, randomCurve25519, signedKeys, type TestDeviceKeys } from "../../support/e2ee.ts";
import { createTestServer, type TestServer } from "../../support/server.ts";
import {
  deviceListChangesSince,
  deviceListPosition,
  oneTimeKeyCounts,
  storedDeviceKeys,
  unusedFallbackKeyTypes,
} from "../../support/device-keys.ts";

const KEYS = "/_matrix/client/v3/keys";

async function uploadDevice(
  server: TestServer,
  user: TestUser,
  body: Record<string, unknown> = {},
): Promise<TestDeviceKeys> {
  const device = deviceKeysFor(user);
  const res = await server.post(
    `${KEYS}/upload`,
    { device_keys: device.device_keys, ...body },
    { token: user.access_token },
  );
  expect(res.status).toBe(200);
  return device;
}

describe("POST /keys/upload", () => {
  test("stores device keys and one-time keys and answers the counts", async () => {
    const server = createTestServer();
    const alice = await createUser(server);
    const device = deviceKeysFor(alice);
    const res = await server.post(
      `${KEYS}/upload`,
      {
        device_keys: device.device_keys,
        one_time_keys: { ...signedKeys(alice.user_id, device, ["A", "B"]), "curve25519:C": randomCurve25519() },
      },
      { token: alice.access_token },
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ one_time_key_counts: { signed_curve25519: 2, curve25519: 1 } });
    const empty = await server.post(`${KEYS}/upload`, {}, { token: alice.access_token });
    expect(empty.body.one_time_key_counts).toEqual({ signed_curve25519: 2, curve25519: 1 });
    expect(oneTimeKeyCounts(server, alice)).toEqual({ signed_curve25519: 2, curve25519: 1 });
  });

  test("keeps fields it does not know, so the signature still verifies for others", async () => {
    const server = createTestServer();
    const [alice, bob] = [await createUser(server), await createUser(server)];
    const device = deviceKeysFor(alice, { "org.example.extra": { nested: [1, 2] } });
    await server.post(`${KEYS}/upload`, { device_keys: device.device_keys }, { token: alice.access_token });
    const res = await server.post(
      `${KEYS}/query`,
      { device_keys: { [alice.user_id]: [] } },
      { token: bob.access_token },
    );
    expect(res.body.device_keys[alice.user_id][alice.device_id]).toEqual(device.device_keys);
  });

  test("refuses device keys of another device or user, or not signed by the device", async () => {
    const server = createTestServer();
    const [alice, bob] = [await createUser(server), await createUser(server)];
    const otherDevice = deviceKeysFor({ user_id: alice.user_id, device_id: "OTHER" }).device_keys;
    const otherUser = deviceKeysFor({ user_id: bob.user_id, device_id: alice.device_id }).device_keys;
    const badSignature = { ...deviceKeysFor(alice).device_keys, algorithms: ["changed.after.signing"] };
    for (const [device_keys, errcode] of [
      [otherDevice, "M_INVALID_PARAM"],
      [otherUser, "M_INVALID_PARAM"],
      [badSignature, "M_INVALID_SIGNATURE"],
    ] as const) {
      const res = await server.post(`${KEYS}/upload`, { device_keys }, { token: alice.access_token });
      expect([res.status, res.body.errcode]).toEqual([400, errcode]);
    }
    expect((await server.post(`${KEYS}/upload`, {})).status).toBe(401);
  });

  test("refuses a different identity key for a device that has one, and accepts the same again", async () => {
    const server = createTestServer();
    const alice = await createUser(server);
    const device = await uploadDevice(server, alice);
    expect(
      (await server.post(`${KEYS}/upload`, { device_keys: device.device_keys }, { token: alice.access_token })).status,
    ).toBe(200);
    const replaced = await server.post(
      `${KEYS}/upload`,
      { device_keys: deviceKeysFor(alice).device_keys },
      { token: alice.access_token },
    );
    expect([replaced.status, replaced.body.errcode]).toEqual([400, "M_INVALID_PARAM"]);
  });

  test("checks one-time key signatures and refuses a key id reused with other content", async () => {
    const server = createTestServer();
    const alice = await createUser(server);
    const device = await uploadDevice(server, alice);
    const forged = signedKeys(alice.user_id, deviceKeysFor(alice), ["X"]);
    const res = await server.post(`${KEYS}/upload`, { one_time_keys: forged }, { token: alice.access_token });
    expect([res.status, res.body.errcode]).toEqual([400, "M_INVALID_SIGNATURE"]);
    const keys = signedKeys(alice.user_id, device, ["K"]);
    expect(
      (await server.post(`${KEYS}/upload`, { one_time_keys: keys }, { token: alice.access_token })).body
        .one_time_key_counts.signed_curve25519,
    ).toBe(1);
    // The same key again (a retried request) is fine; other content under the same id is not.
    expect(
      (await server.post(`${KEYS}/upload`, { one_time_keys: keys }, { token: alice.access_token })).body
        .one_time_key_counts.signed_curve25519,
    ).toBe(1);
    const clash = await server.post(
      `${KEYS}/upload`,
      { one_time_keys: signedKeys(alice.user_id, device, ["K"]) },
      { token: alice.access_token },
    );
    expect([clash.status, clash.body.errcode]).toEqual([400, "M_INVALID_PARAM"]);
    const badName = await server.post(
      `${KEYS}/upload`,
      { one_time_keys: { nocolon: randomCurve25519() } },
      { token: alice.access_token },
    );
    expect(badName.status).toBe(400);
  });

  test("signed keys need the device's keys first", async () => {
    const server = createTestServer();
    const alice = await createUser(server);
    const res = await server.post(
      `${KEYS}/upload`,
      { one_time_keys: signedKeys(alice.user_id, deviceKeysFor(alice), ["A"]) },
      { token: alice.access_token },
    );
    expect([res.status, res.body.errcode]).toEqual([400, "M_INVALID_PARAM"]);
  });

  test("a failed upload stores nothing of the request", async () => {
    const server = createTestServer();
    const alice = await createUser(server);
    const device = deviceKeysFor(alice);
    const body = {
      device_keys: device.device_keys,
      one_time_keys: { ...signedKeys(alice.user_id, device, ["A"]), bad: "x" },
    };
    expect((await server.post(`${KEYS}/upload`, body, { token: alice.access_token })).status).toBe(400);
    expect(storedDeviceKeys(server, alice)).toBeNull();
  });
});

describe("POST /keys/query", () => {
  test("returns device keys with the display name, for all or named devices", async () => {
    const server = createTestServer();
    const [alice, bob] = [await createUser(server), await createUser(server)];
    setDeviceDisplayName(server, alice, "Alice's phone");
    const device = await uploadDevice(server, alice);
    const all = await server.post(
      `${KEYS}/query`,
      { device_keys: { [alice.user_id]: [] } },
      { token: bob.access_token },
    );
    expect(all.status).toBe(200);
    expect(all.body.device_keys[alice.user_id][alice.device_id]).toEqual({
      ...device.device_keys,
      unsigned: { device_display_name: "Alice's phone" },
    });
    expect(all.body.failures).toEqual({});
    const named = await server.post(
      `${KEYS}/query`,
      { device_keys: { [alice.user_id]: ["NOPE", alice.device_id] } },
      { token: bob.access_token },
    );
    expect(Object.keys(named.body.device_keys[alice.user_id])).toEqual([alice.device_id]);
  });

  test("answers an empty map for unknown local users and a failure for remote servers", async () => {
    const server = createTestServer();
    const bob = await createUser(server);
    const res = await server.post(
      `${KEYS}/query`,
      { device_keys: { "@ghost:test.local": [], "@carol:remote.example": [] } },
      { token: bob.access_token },
    );
    expect(res.body.device_keys).toEqual({ "@ghost:test.local": {} });
    expect(Object.keys(res.body.failures)).toEqual(["remote.example"]);
    expect(res.body.master_keys).toEqual({});
  });

  test("devices without uploaded keys are not listed", async () => {
    const server = createTestServer();
    const alice = await createUser(server);
    const res = await server.post(
      `${KEYS}/query`,
      { device_keys: { [alice.user_id]: [] } },
      { token: alice.access_token },
    );
    expect(res.body.device_keys).toEqual({ [alice.user_id]: {} });
  });
});

describe("POST /keys/claim", () => {
  test("hands out one-time keys oldest first and removes them", async () => {
    const server = createTestServer();
    const [alice, bob] = [await createUser(server), await createUser(server)];
    const device = await uploadDevice(server, alice);
    const first = signedKeys(alice.user_id, device, ["Z1"]);
    const second = signedKeys(alice.user_id, device, ["A2"]);
    await server.post(`${KEYS}/upload`, { one_time_keys: first }, { token: alice.access_token });
    await server.post(`${KEYS}/upload`, { one_time_keys: second }, { token: alice.access_token });
    const claim = () =>
      server.post(
        `${KEYS}/claim`,
        { one_time_keys: { [alice.user_id]: { [alice.device_id]: "signed_curve25519" } } },
        { token: bob.access_token },
      );
    expect((await claim()).body).toEqual({
      one_time_keys: { [alice.user_id]: { [alice.device_id]: first } },
      failures: {},
    });
    expect((await claim()).body.one_time_keys[alice.user_id][alice.device_id]).toEqual(second);
    expect((await claim()).body.one_time_keys).toEqual({});
    expect(oneTimeKeyCounts(server, alice)).toEqual({ signed_curve25519: 0 });
  });

  test("falls back to the fallback key, marks it used, and a new one resets it", async () => {
    const server = createTestServer();
    const [alice, bob] = [await createUser(server), await createUser(server)];
    const device = await uploadDevice(server, alice);
    const fallback = signedKeys(alice.user_id, device, ["F1"], true);
    await server.post(`${KEYS}/upload`, { fallback_keys: fallback }, { token: alice.access_token });
    const types = () => unusedFallbackKeyTypes(server, alice);
    expect(types()).toEqual(["signed_curve25519"]);
    const claim = () =>
      server.post(
        `${KEYS}/claim`,
        { one_time_keys: { [alice.user_id]: { [alice.device_id]: "signed_curve25519" } } },
        { token: bob.access_token },
      );
    for (let i = 0; i < 2; i++)
      expect((await claim()).body.one_time_keys[alice.user_id][alice.device_id]).toEqual(fallback);
    expect(types()).toEqual([]);
    // Uploading the same key again keeps it used; a new key is unused.
    await server.post(`${KEYS}/upload`, { fallback_keys: fallback }, { token: alice.access_token });
    expect(types()).toEqual([]);
    await server.post(
      `${KEYS}/upload`,
      { fallback_keys: signedKeys(alice.user_id, device, ["F2"], true) },
      { token: alice.access_token },
    );
    expect(types()).toEqual(["signed_curve25519"]);
    const two = {
      ...signedKeys(alice.user_id, device, ["F3"], true),
      "signed_curve25519:F4": Object.values(signedKeys(alice.user_id, device, ["F4"], true))[0],
    };
    expect((await server.post(`${KEYS}/upload`, { fallback_keys: two }, { token: alice.access_token })).status).toBe(
      400,
    );
  });

  test("concurrent claims never hand out the same one-time key twice", async () => {
    const server = createTestServer();
    const alice = await createUser(server);
    const device = await uploadDevice(server, alice);
    const ids = Array.from({ length: 50 }, (_, i) => `K${i}`);
    await server.post(
      `${KEYS}/upload`,
      {
        one_time_keys: signedKeys(alice.user_id, device, ids),
        fallback_keys: signedKeys(alice.user_id, device, ["FB"], true),
      },
      { token: alice.access_token },
    );
    const claimers = await Promise.all(Array.from({ length: 8 }, () => createUser(server, undefined, null)));
    const responses = await Promise.all(
      Array.from({ length: 80 }, (_, i) =>
        server.post(
          `${KEYS}/claim`,
          { one_time_keys: { [alice.user_id]: { [alice.device_id]: "signed_curve25519" } } },
          { token: claimers[i % 8]!.access_token },
        ),
      ),
    );
    const names = responses.map((res) => Object.keys(res.body.one_time_keys[alice.user_id][alice.device_id])[0]);
    const oneTime = names.filter((name) => name !== "signed_curve25519:FB");
    expect(new Set(oneTime).size).toBe(50);
    expect(oneTime.length).toBe(50);
    expect(names.length - oneTime.length).toBe(30);
  });

  test("remote users are reported as failures", async () => {
    const server = createTestServer();
    const bob = await createUser(server);
    const res = await server.post(
      `${KEYS}/claim`,
      { one_time_keys: { "@carol:remote.example": { D: "signed_curve25519" } } },
      { token: bob.access_token },
    );
    expect(res.body).toEqual({ one_time_keys: {}, failures: { "remote.example": expect.any(Object) } });
  });
});

/** A /sync next_batch: what /keys/changes takes as `from` and `to`. */
async function syncToken(server: TestServer, user: TestUser): Promise<string> {
  return (await server.get("/_matrix/client/v3/sync", { token: user.access_token })).body.next_batch;
}

describe("GET /keys/changes and the device-list stream", () => {
  test("lists the requester's own changes between two sync tokens", async () => {
    const server = createTestServer();
    const [alice, bob] = [await createUser(server), await createUser(server)];
    const positionBefore = deviceListPosition(server);
    const before = await syncToken(server, alice);
    await uploadDevice(server, alice);
    await uploadDevice(server, bob);
    expect(deviceListPosition(server)).toBe(positionBefore + 2);
    const now = await syncToken(server, alice);
    const changes = await server.get(`${KEYS}/changes?from=${before}&to=${now}`, { token: alice.access_token });
    expect(changes.status).toBe(200);
    // Bob shares no room with Alice, so only Alice is listed.
    expect(changes.body).toEqual({ changed: [alice.user_id], left: [] });
    expect(
      (await server.get(`${KEYS}/changes?from=${now}&to=${now}`, { token: alice.access_token })).body.changed,
    ).toEqual([]);
    expect(deviceListChangesSince(server, positionBefore).sort()).toEqual([alice.user_id, bob.user_id].sort());
  });

  test("lists the changes of users who share a room with the requester", async () => {
    const server = createTestServer();
    const [alice, bob] = [await createUser(server), await createUser(server)];
    const created = await server.post(
      "/_matrix/client/v3/createRoom",
      { preset: "public_chat" },
      { token: alice.access_token },
    );
    expect(
      (
        await server.post(
          `/_matrix/client/v3/join/${encodeURIComponent(created.body.room_id)}`,
          {},
          { token: bob.access_token },
        )
      ).status,
    ).toBe(200);
    const before = await syncToken(server, alice);
    await uploadDevice(server, bob);
    const now = await syncToken(server, alice);
    const changes = await server.get(`${KEYS}/changes?from=${before}&to=${now}`, { token: alice.access_token });
    expect(changes.body.changed).toEqual([bob.user_id]);
  });

  test("lists users who started sharing a room as changed, and users who stopped as left", async () => {
    const server = createTestServer();
    const [alice, bob, carol] = [await createUser(server), await createUser(server), await createUser(server)];
    const created = await server.post(
      "/_matrix/client/v3/createRoom",
      { preset: "public_chat" },
      { token: alice.access_token },
    );
    const roomId = created.body.room_id as string;
    const join = (user: TestUser) =>
      server.post(`/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, {}, { token: user.access_token });
    expect((await join(bob)).status).toBe(200);
    const before = await syncToken(server, alice);
    expect((await join(carol)).status).toBe(200);
    expect(
      (
        await server.post(
          `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/leave`,
          {},
          { token: bob.access_token },
        )
      ).status,
    ).toBe(200);
    const now = await syncToken(server, alice);
    const changes = await server.get(`${KEYS}/changes?from=${before}&to=${now}`, { token: alice.access_token });
    expect(changes.body).toEqual({ changed: [carol.user_id], left: [bob.user_id] });
  });

  test("refuses tokens it cannot read and needs both", async () => {
    const server = createTestServer();
    const alice = await createUser(server);
    const bad = await server.get(`${KEYS}/changes?from=abc&to=1`, { token: alice.access_token });
    expect([bad.status, bad.body.errcode]).toEqual([400, "M_INVALID_PARAM"]);
    // A bare device-list position was the placeholder before /sync defined its token.
    const bare = await server.get(`${KEYS}/changes?from=1&to=2`, { token: alice.access_token });
    expect([bare.status, bare.body.errcode]).toEqual([400, "M_INVALID_PARAM"]);
    const missing = await server.get(`${KEYS}/changes?from=1`, { token: alice.access_token });
    expect([missing.status, missing.body.errcode]).toEqual([400, "M_MISSING_PARAM"]);
  });

  test("re-uploading identical keys and one-time keys does not count as a change; listeners hear real ones", async () => {
    const server = createTestServer();
    const alice = await createUser(server);
    const heard: string[] = [];
    server.services.signals.deviceListChanged.subscribe((userId) => heard.push(userId));
    const device = await uploadDevice(server, alice);
    const position = deviceListPosition(server);
    await server.post(
      `${KEYS}/upload`,
      { device_keys: device.device_keys, one_time_keys: signedKeys(alice.user_id, device, ["A"]) },
      { token: alice.access_token },
    );
    expect(deviceListPosition(server)).toBe(position);
    expect(heard).toEqual([alice.user_id]);
  });
});

describe("deleting a device", () => {
  test("deleteDeviceKeys removes its keys and announces a device-list change", async () => {
    const server = createTestServer();
    const alice = await createUser(server);
    const device = await uploadDevice(server, alice, {});
    await server.post(
      `${KEYS}/upload`,
      {
        one_time_keys: signedKeys(alice.user_id, device, ["A"]),
        fallback_keys: signedKeys(alice.user_id, device, ["F"], true),
      },
      { token: alice.access_token },
    );
    const position = deviceListPosition(server);
    server.services.deviceKeys.deleteDeviceKeys(alice.user_id, alice.device_id);
    expect(deviceListChangesSince(server, position)).toEqual([alice.user_id]);
    expect(oneTimeKeyCounts(server, alice)).toEqual({ signed_curve25519: 0 });
    expect(unusedFallbackKeyTypes(server, alice)).toEqual([]);
    const res = await server.post(
      `${KEYS}/query`,
      { device_keys: { [alice.user_id]: [] } },
      { token: alice.access_token },
    );
    expect(res.body.device_keys[alice.user_id]).toEqual({});
  });
});

describe("dehydrated devices (MSC3814)", () => {
  test("are not served: their paths answer 404 M_UNRECOGNIZED", async () => {
    const server = createTestServer();
    const alice = await createUser(server);
    const base = "/_matrix/client/unstable/org.matrix.msc3814.v1/dehydrated_device";
    for (const [method, path] of [
      ["GET", base],
      ["PUT", base],
      ["DELETE", base],
      ["POST", `${base}/DEVICEID/events`],
    ] as const) {
      const res = await server.request(method, path, {
        token: alice.access_token,
        ...(method === "GET" || method === "DELETE" ? {} : { body: {} }),
      });
      expect([res.status, res.body.errcode]).toEqual([404, "M_UNRECOGNIZED"]);
    }
  });
});
