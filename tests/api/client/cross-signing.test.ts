import { describe, expect, test } from "bun:test";
import type { SigningKeysUpload } from "../../../src/core/e2ee/cross-signing.ts";
import { signJson } from "../../../src/matrix/signing.ts";
import { addDevice, createUser, passwordAuth, type TestUser } from "../../support/fixtures.ts";
import { crossSigningKey, crossSigningKeys, deviceKeysFor, type TestDeviceKeys } from "../../support/e2ee.ts";
import { createTestServer, type TestServer } from "../../support/server.ts";
import { deviceListChangesSince, deviceListPosition } from "../../support/device-keys.ts";

const SIGNING = "/_matrix/client/v3/keys/device_signing/upload";
const SIGNATURES = "/_matrix/client/v3/keys/signatures/upload";
const PASSWORD = "correct horse";

function bodyOf(keys: ReturnType<typeof crossSigningKeys>) {
  return {
    master_key: keys.master.key,
    self_signing_key: keys.selfSigning.key,
    user_signing_key: keys.userSigning.key,
  };
}

async function withDeviceKeys(server: TestServer, user: TestUser): Promise<TestDeviceKeys> {
  const device = deviceKeysFor(user);
  expect(
    (
      await server.post(
        "/_matrix/client/v3/keys/upload",
        { device_keys: device.device_keys },
        { token: user.access_token },
      )
    ).status,
  ).toBe(200);
  return device;
}

const query = (server: TestServer, viewer: TestUser, userId: string) =>
  server.post("/_matrix/client/v3/keys/query", { device_keys: { [userId]: [] } }, { token: viewer.access_token });

describe("POST /keys/device_signing/upload", () => {
  test("the first upload needs no authentication; others see master and self-signing keys, only the owner the user-signing key", async () => {
    const server = createTestServer();
    const [alice, bob] = [await createUser(server), await createUser(server)];
    const keys = crossSigningKeys(alice.user_id);
    const res = await server.post(SIGNING, bodyOf(keys), { token: alice.access_token });
    expect([res.status, res.body]).toEqual([200, {}]);
    const own = await query(server, alice, alice.user_id);
    expect(own.body.master_keys[alice.user_id]).toEqual(keys.master.key);
    expect(own.body.self_signing_keys[alice.user_id]).toEqual(keys.selfSigning.key);
    expect(own.body.user_signing_keys[alice.user_id]).toEqual(keys.userSigning.key);
    const other = await query(server, bob, alice.user_id);
    expect(other.body.master_keys[alice.user_id]).toEqual(keys.master.key);
    expect(other.body.user_signing_keys).toEqual({});
  });

  test("an identical retry needs no authentication and is no change", async () => {
    const server = createTestServer();
    const alice = await createUser(server);
    const keys = crossSigningKeys(alice.user_id);
    await server.post(SIGNING, bodyOf(keys), { token: alice.access_token });
    const position = deviceListPosition(server);
    expect((await server.post(SIGNING, bodyOf(keys), { token: alice.access_token })).status).toBe(200);
    expect(deviceListPosition(server)).toBe(position);
  });

  test("replacing keys asks for the password (401 with flows), refuses a wrong one and takes the right one", async () => {
    const server = createTestServer();
    const alice = await createUser(server, undefined, PASSWORD);
    await server.post(SIGNING, bodyOf(crossSigningKeys(alice.user_id)), { token: alice.access_token });
    const replacement = crossSigningKeys(alice.user_id);
    const challenge = await server.post(SIGNING, bodyOf(replacement), { token: alice.access_token });
    expect(challenge.status).toBe(401);
    expect(challenge.body.flows).toEqual([{ stages: ["m.login.password"] }]);
    expect(typeof challenge.body.session).toBe("string");
    const identifier = { type: "m.id.user", user: alice.user_id };
    const wrong = await server.post(
      SIGNING,
      {
        ...bodyOf(replacement),
        auth: { type: "m.login.password", identifier, password: "wrong", session: challenge.body.session },
      },
      { token: alice.access_token },
    );
    expect([wrong.status, wrong.body.errcode]).toEqual([401, "M_FORBIDDEN"]);
    const position = deviceListPosition(server);
    const right = await server.post(
      SIGNING,
      {
        ...bodyOf(replacement),
        auth: { type: "m.login.password", identifier, password: PASSWORD, session: challenge.body.session },
      },
      { token: alice.access_token },
    );
    expect(right.status).toBe(200);
    expect((await query(server, alice, alice.user_id)).body.master_keys[alice.user_id]).toEqual(replacement.master.key);
    expect(deviceListChangesSince(server, position)).toEqual([alice.user_id]);
  });

  test("the 401 has the same shape as the other user-interactive auth endpoints", async () => {
    const server = createTestServer();
    const alice = await createUser(server);
    await server.post(SIGNING, bodyOf(crossSigningKeys(alice.user_id)), { token: alice.access_token });
    const challenge = await server.post(SIGNING, bodyOf(crossSigningKeys(alice.user_id)), {
      token: alice.access_token,
    });
    const deletion = await server.post(
      "/_matrix/client/v3/delete_devices",
      { devices: [alice.device_id] },
      { token: alice.access_token },
    );
    expect([challenge.status, deletion.status]).toEqual([401, 401]);
    expect(Object.keys(challenge.body).sort()).toEqual(Object.keys(deletion.body).sort());
    expect(challenge.body).toEqual({
      flows: [{ stages: ["m.login.password"] }],
      params: {},
      session: expect.any(String),
      completed: [],
    });
  });

  test("adding a self-signing key to an existing master key is a new key and needs auth", async () => {
    const server = createTestServer();
    const alice = await createUser(server);
    const keys = crossSigningKeys(alice.user_id);
    await server.post(SIGNING, { master_key: keys.master.key }, { token: alice.access_token });
    const res = await server.post(SIGNING, { self_signing_key: keys.selfSigning.key }, { token: alice.access_token });
    expect(res.status).toBe(401);
    const authed = await server.post(
      SIGNING,
      { self_signing_key: keys.selfSigning.key, auth: passwordAuth(alice, res.body.session) },
      { token: alice.access_token },
    );
    expect(authed.status).toBe(200);
  });

  test("a session authorises only the keys it was opened for, and only once", async () => {
    const server = createTestServer();
    const alice = await createUser(server);
    await server.post(SIGNING, bodyOf(crossSigningKeys(alice.user_id)), { token: alice.access_token });
    const [first, second] = [crossSigningKeys(alice.user_id), crossSigningKeys(alice.user_id)];
    const challenge = await server.post(SIGNING, bodyOf(first), { token: alice.access_token });
    const other = await server.post(
      SIGNING,
      { ...bodyOf(second), auth: passwordAuth(alice, challenge.body.session) },
      { token: alice.access_token },
    );
    expect([other.status, other.body.errcode]).toEqual([400, "M_UNKNOWN"]);
    const done = await server.post(
      SIGNING,
      { ...bodyOf(first), auth: passwordAuth(alice, challenge.body.session) },
      { token: alice.access_token },
    );
    expect(done.status).toBe(200);
    // The same key ids with changed content need auth again: the spent session is gone.
    const changed = { master_key: { ...first.master.key, "org.example.note": "changed" } };
    const again = await server.post(
      SIGNING,
      { ...changed, auth: passwordAuth(alice, challenge.body.session) },
      { token: alice.access_token },
    );
    expect([again.status, again.body.errcode]).toEqual([400, "M_UNKNOWN"]);
    expect((await query(server, alice, alice.user_id)).body.master_keys[alice.user_id]).toEqual(first.master.key);
  });

  test("an application service replaces its user's keys without user-interactive auth", async () => {
    const server = createTestServer();
    const bot = await createUser(server, undefined, null);
    await server.post(SIGNING, bodyOf(crossSigningKeys(bot.user_id)), { token: bot.access_token });
    const replacement = crossSigningKeys(bot.user_id);
    expect((await server.post(SIGNING, bodyOf(replacement), { token: bot.access_token })).status).toBe(401);
    const asBot = { user_id: bot.user_id, device_id: bot.device_id, is_guest: false, appservice_id: "bridge" };
    await server.services.crossSigning.uploadSigningKeys(asBot, bodyOf(replacement) as SigningKeysUpload, null);
    expect((await query(server, bot, bot.user_id)).body.master_keys[bot.user_id]).toEqual(replacement.master.key);
  });

  test("self-signing and user-signing keys must be signed by the master key", async () => {
    const server = createTestServer();
    const alice = await createUser(server);
    const keys = crossSigningKeys(alice.user_id);
    const stranger = crossSigningKey(alice.user_id, "master");
    const unsigned = await server.post(
      SIGNING,
      { master_key: keys.master.key, self_signing_key: crossSigningKey(alice.user_id, "self_signing", stranger).key },
      { token: alice.access_token },
    );
    expect([unsigned.status, unsigned.body.errcode]).toEqual([400, "M_INVALID_SIGNATURE"]);
    const noMaster = await server.post(
      SIGNING,
      { self_signing_key: keys.selfSigning.key },
      { token: alice.access_token },
    );
    expect([noMaster.status, noMaster.body.errcode]).toEqual([400, "M_MISSING_PARAM"]);
  });

  test("refuses keys of another user, with the wrong usage, or whose id is a device id", async () => {
    const server = createTestServer();
    const [alice, bob] = [await createUser(server), await createUser(server)];
    const bobs = await server.post(
      SIGNING,
      { master_key: crossSigningKey(bob.user_id, "master").key },
      { token: alice.access_token },
    );
    expect([bobs.status, bobs.body.errcode]).toEqual([400, "M_INVALID_PARAM"]);
    const wrongUsage = await server.post(
      SIGNING,
      { master_key: crossSigningKey(alice.user_id, "self_signing").key },
      { token: alice.access_token },
    );
    expect([wrongUsage.status, wrongUsage.body.errcode]).toEqual([400, "M_INVALID_PARAM"]);
    const master = crossSigningKey(alice.user_id, "master");
    addDevice(server, alice, master.publicKey);
    const inUse = await server.post(SIGNING, { master_key: master.key }, { token: alice.access_token });
    expect([inUse.status, inUse.body.errcode]).toEqual([403, "M_FORBIDDEN"]);
  });
});

describe("POST /keys/signatures/upload", () => {
  test("adds the self-signing key's signature on one's own device, merged into /keys/query", async () => {
    const server = createTestServer();
    const [alice, bob] = [await createUser(server), await createUser(server)];
    const device = await withDeviceKeys(server, alice);
    const keys = crossSigningKeys(alice.user_id);
    await server.post(SIGNING, bodyOf(keys), { token: alice.access_token });
    const signed = signJson(device.device_keys, alice.user_id, keys.selfSigning.signingKey);
    const res = await server.post(
      SIGNATURES,
      { [alice.user_id]: { [alice.device_id]: signed } },
      { token: alice.access_token },
    );
    expect([res.status, res.body]).toEqual([200, { failures: {} }]);
    const seen = (await query(server, bob, alice.user_id)).body.device_keys[alice.user_id][alice.device_id];
    expect(seen.signatures[alice.user_id]).toEqual(signed.signatures[alice.user_id]);
  });

  test("adds a device's signature on one's own master key", async () => {
    const server = createTestServer();
    const alice = await createUser(server);
    const device = await withDeviceKeys(server, alice);
    const keys = crossSigningKeys(alice.user_id);
    await server.post(SIGNING, bodyOf(keys), { token: alice.access_token });
    const signed = signJson(keys.master.key, alice.user_id, device.signingKey);
    const res = await server.post(
      SIGNATURES,
      { [alice.user_id]: { [keys.master.publicKey]: signed } },
      { token: alice.access_token },
    );
    expect(res.body).toEqual({ failures: {} });
    expect((await query(server, alice, alice.user_id)).body.master_keys[alice.user_id]).toEqual(signed);
  });

  test("a signature on another user's master key is seen only by the signer", async () => {
    const server = createTestServer();
    const [alice, bob, carol] = [await createUser(server), await createUser(server), await createUser(server)];
    const aliceKeys = crossSigningKeys(alice.user_id);
    const bobKeys = crossSigningKeys(bob.user_id);
    await server.post(SIGNING, bodyOf(aliceKeys), { token: alice.access_token });
    await server.post(SIGNING, bodyOf(bobKeys), { token: bob.access_token });
    const signed = signJson(bobKeys.master.key, alice.user_id, aliceKeys.userSigning.signingKey);
    const position = deviceListPosition(server);
    const res = await server.post(
      SIGNATURES,
      { [bob.user_id]: { [bobKeys.master.publicKey]: signed } },
      { token: alice.access_token },
    );
    expect(res.body).toEqual({ failures: {} });
    expect((await query(server, alice, bob.user_id)).body.master_keys[bob.user_id]).toEqual(signed);
    expect((await query(server, carol, bob.user_id)).body.master_keys[bob.user_id]).toEqual(bobKeys.master.key);
    expect((await query(server, bob, bob.user_id)).body.master_keys[bob.user_id]).toEqual(bobKeys.master.key);
    // The signer's own devices are the ones to tell.
    expect(deviceListChangesSince(server, position)).toEqual([alice.user_id]);
  });

  test("reports bad signatures, unknown keys and mismatched objects per key, and keeps the good ones", async () => {
    const server = createTestServer();
    const alice = await createUser(server);
    const device = await withDeviceKeys(server, alice);
    const keys = crossSigningKeys(alice.user_id);
    await server.post(SIGNING, bodyOf(keys), { token: alice.access_token });
    const good = signJson(device.device_keys, alice.user_id, keys.selfSigning.signingKey);
    const forged = signJson(device.device_keys, alice.user_id, {
      keyId: keys.selfSigning.signingKey.keyId,
      seed: crossSigningKey(alice.user_id, "self_signing").seed,
    });
    const altered = signJson(
      { ...device.device_keys, algorithms: ["other"] },
      alice.user_id,
      keys.selfSigning.signingKey,
    );
    const res = await server.post(
      SIGNATURES,
      { [alice.user_id]: { [alice.device_id]: good, NOSUCHDEVICE: good } },
      { token: alice.access_token },
    );
    expect(res.status).toBe(200);
    expect(res.body.failures).toEqual({
      [alice.user_id]: { NOSUCHDEVICE: { errcode: "M_NOT_FOUND", error: expect.any(String) } },
    });
    for (const object of [forged, altered, device.device_keys]) {
      const failed = await server.post(
        SIGNATURES,
        { [alice.user_id]: { [alice.device_id]: object } },
        { token: alice.access_token },
      );
      expect(failed.body.failures[alice.user_id][alice.device_id].errcode).toBe("M_INVALID_SIGNATURE");
    }
    const seen = (await query(server, alice, alice.user_id)).body.device_keys[alice.user_id][alice.device_id];
    expect(seen.signatures[alice.user_id][keys.selfSigning.signingKey.keyId]).toBe(
      good.signatures[alice.user_id]![keys.selfSigning.signingKey.keyId],
    );
  });

  test("without a self-signing key there is nothing to sign devices with", async () => {
    const server = createTestServer();
    const alice = await createUser(server);
    const device = await withDeviceKeys(server, alice);
    const res = await server.post(
      SIGNATURES,
      { [alice.user_id]: { [alice.device_id]: device.device_keys } },
      { token: alice.access_token },
    );
    expect(res.body.failures[alice.user_id][alice.device_id].errcode).toBe("M_MISSING_PARAM");
    expect((await server.post(SIGNATURES, {})).status).toBe(401);
  });
});

test("user and key ids named like Object's own properties are reported as failures, not a 500", async () => {
  const server = createTestServer();
  const alice = await createUser(server);
  const raw = '{"constructor":{"prototype":{"x":1}},"__proto__":{"toString":{"y":2}}}';
  const res = await server.request("POST", SIGNATURES, {
    raw,
    token: alice.access_token,
    headers: { "Content-Type": "application/json" },
  });
  expect(res.status).toBe(200);
  expect(Object.keys(res.body.failures).sort()).toEqual(["__proto__", "constructor"]);
  expect(res.body.failures.constructor.prototype.errcode).toEqual(expect.any(String));
  expect(res.body.failures.__proto__.toString.errcode).toEqual(expect.any(String));
});
