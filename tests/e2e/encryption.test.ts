/**
 * End-to-end encryption with matrix-js-sdk's Rust crypto (matrix-sdk-crypto-wasm, loaded
 * under Bun) against a real bunduit process: megolm messages both ways in an encrypted
 * room, a second device of a user getting the room keys, cross-signing bootstrapped through
 * password UIA and seen by the other user, and a key backup restored on a fresh device.
 * Crypto that cannot start fails these tests; nothing is skipped.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { ClientEvent, createClient, MatrixEventEvent, RoomEvent, RoomMemberEvent, SyncState, type MatrixClient, type MatrixEvent } from "matrix-js-sdk";
import { CryptoEvent, decodeRecoveryKey, encodeRecoveryKey, type CryptoApi } from "matrix-js-sdk/lib/crypto-api/index.js";
import { logger, type Logger } from "matrix-js-sdk/lib/logger.js";
import { startServerProcess, tempDir, type ServerProcess } from "../support/server.ts";

const PASSWORD = "a good password";
let dir: ReturnType<typeof tempDir>;
let server: ServerProcess;
const clients: MatrixClient[] = [];

beforeAll(async () => {
  (logger as unknown as { disableAll(): void }).disableAll();
  dir = tempDir();
  server = await startServerProcess({
    dir: dir.path,
    toml: `[global]\nserver_name = "test.local"\ndatabase_path = "${join(dir.path, "data")}"\nport = 0\nallow_registration = true\n[global.rate_limits]\nenabled = false\n`,
  });
});

afterAll(async () => {
  for (const client of clients) client.stopClient();
  await server.stop();
  dir.remove();
});

const silent: Logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, getChild: () => silent };

/** A logged-in client with Rust crypto started (in memory) and syncing. */
async function cryptoClient(login: { user_id: string; device_id?: string; access_token?: string }): Promise<MatrixClient> {
  const client = createClient({ baseUrl: server.url, accessToken: login.access_token!, userId: login.user_id, deviceId: login.device_id!, logger: silent });
  clients.push(client);
  await client.initRustCrypto({ useIndexedDB: false });
  if (!client.getCrypto()) throw new Error("Rust crypto did not start");
  const states: string[] = [];
  client.on(ClientEvent.Sync, (state) => states.push(state));
  await client.startClient({ initialSyncLimit: 20, lazyLoadMembers: true });
  await waitFor(onClient(client, [ClientEvent.Sync]), () => (client.getSyncState() === SyncState.Syncing ? true : undefined), "SYNCING", 10_000);
  return client;
}

async function register(username: string): Promise<MatrixClient> {
  const anonymous = createClient({ baseUrl: server.url, logger: silent });
  const session = await anonymous.registerRequest({ username, password: PASSWORD }).then(
    () => undefined,
    (error: { data?: { session?: string } }) => error.data?.session,
  );
  const done = await anonymous.registerRequest({ username, password: PASSWORD, auth: { type: "m.login.dummy", session } });
  return cryptoClient(done);
}

/** Another device of an existing user: a second password login. */
async function loginAgain(userId: string): Promise<MatrixClient> {
  const anonymous = createClient({ baseUrl: server.url, logger: silent });
  const login = await anonymous.loginRequest({ type: "m.login.password", identifier: { type: "m.id.user", user: userId }, password: PASSWORD });
  return cryptoClient(login);
}

const crypto = (client: MatrixClient): CryptoApi => client.getCrypto()!;

function waitFor<T>(subscribe: (listener: () => void) => () => void, check: () => T | undefined | Promise<T | undefined>, what: string, ms = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearInterval(poll);
      unsubscribe();
      fn();
    };
    const timer = setTimeout(() => finish(() => reject(new Error(`timed out waiting for ${what}`))), ms);
    const attempt = async () => {
      try {
        const value = await check();
        if (value !== undefined) finish(() => resolve(value));
      } catch (error) {
        finish(() => reject(error as Error));
      }
    };
    const unsubscribe = subscribe(() => void attempt());
    // Crypto state changes (key downloads, decryption retries) do not all emit on the client.
    const poll = setInterval(() => void attempt(), 100);
    void attempt();
  });
}

function onClient(client: MatrixClient, events: string[]) {
  return (listener: () => void) => {
    for (const event of events) client.on(event as ClientEvent, listener);
    return () => events.forEach((event) => client.off(event as ClientEvent, listener));
  };
}

const timelineEvents = [RoomEvent.Timeline, MatrixEventEvent.Decrypted, ClientEvent.Room];

/** The event whose decrypted body is `body` in the room's live timeline, once decrypted. */
function decrypted(client: MatrixClient, roomId: string, body: string, ms = 10_000): Promise<MatrixEvent> {
  return waitFor(onClient(client, timelineEvents), () =>
    client.getRoom(roomId)?.getLiveTimeline().getEvents().find((e) => e.getType() === "m.room.message" && e.getClearContent()?.body === body),
    `"${body}" decrypted by ${client.getUserId()}/${client.getDeviceId()}`, ms);
}

/** Waits until `client`'s crypto knows `deviceId` of `userId` (after a device-list change reached it through /sync). */
function knowsDevice(client: MatrixClient, userId: string, deviceId: string): Promise<true> {
  return waitFor(onClient(client, [CryptoEvent.DevicesUpdated, ClientEvent.Sync]), async () =>
    (await crypto(client).getUserDeviceInfo([userId])).get(userId)?.has(deviceId) ? true : undefined,
    `${client.getUserId()} to know ${userId}/${deviceId}`);
}

async function authWithPassword(client: MatrixClient) {
  return async <T>(makeRequest: (auth: Record<string, unknown> | null) => Promise<T>): Promise<void> => {
    try {
      await makeRequest(null);
    } catch (error) {
      const session = (error as { data?: { session?: string } }).data?.session;
      if (!session) throw error;
      await makeRequest({ type: "m.login.password", identifier: { type: "m.id.user", user: client.getUserId()! }, password: PASSWORD, session });
    }
  };
}

let alice: MatrixClient;
let bob: MatrixClient;
let roomId: string;

describe("matrix-js-sdk Rust crypto", () => {
  test("Rust crypto starts under Bun and uploads device keys", async () => {
    alice = await register("alice");
    bob = await register("bob");
    expect(crypto(alice).getVersion()).toContain("Vodozemac");
    const keys = await bob.downloadKeysForUsers([alice.getUserId()!]);
    const device = keys.device_keys?.[alice.getUserId()!]?.[alice.getDeviceId()!];
    expect(device?.algorithms).toContain("m.megolm.v1.aes-sha2");
    expect(Object.keys(device?.keys ?? {}).sort()).toEqual([`curve25519:${alice.getDeviceId()}`, `ed25519:${alice.getDeviceId()}`]);
  }, 30_000);

  test("two users in a megolm room exchange messages that each decrypts", async () => {
    ({ room_id: roomId } = await alice.createRoom({
      name: "secrets",
      invite: [bob.getUserId()!],
      initial_state: [{ type: "m.room.encryption", state_key: "", content: { algorithm: "m.megolm.v1.aes-sha2" } }],
    }));
    await waitFor(onClient(bob, [ClientEvent.Room, RoomEvent.MyMembership]), () => (bob.getRoom(roomId)?.getMyMembership() === "invite" ? true : undefined), "bob's invite");
    await bob.joinRoom(roomId);
    await waitFor(onClient(alice, [RoomMemberEvent.Membership]), () => (alice.getRoom(roomId)?.getMember(bob.getUserId()!)?.membership === "join" ? true : undefined), "bob joined at alice");
    expect(await crypto(alice).isEncryptionEnabledInRoom(roomId)).toBe(true);
    await knowsDevice(alice, bob.getUserId()!, bob.getDeviceId()!);

    await alice.sendTextMessage(roomId, "hello bob, privately");
    const atBob = await decrypted(bob, roomId, "hello bob, privately");
    expect(atBob.getWireType()).toBe("m.room.encrypted");
    expect(atBob.getWireContent().algorithm).toBe("m.megolm.v1.aes-sha2");
    expect(atBob.getWireContent().body).toBeUndefined();
    expect(atBob.isDecryptionFailure()).toBe(false);
    expect(atBob.getSender()).toBe(alice.getUserId()!);

    await bob.sendTextMessage(roomId, "hi alice, privately");
    const atAlice = await decrypted(alice, roomId, "hi alice, privately");
    expect(atAlice.getWireType()).toBe("m.room.encrypted");
    expect(atAlice.getSender()).toBe(bob.getUserId()!);

    // The server holds ciphertext only.
    const raw = await alice.fetchRoomEvent(roomId, atBob.getId()!);
    expect(raw.type).toBe("m.room.encrypted");
    expect(JSON.stringify(raw.content)).not.toContain("privately");
  }, 60_000);

  test("a second device of the same user gets the keys for new messages and decrypts them", async () => {
    const bob2 = await loginAgain(bob.getUserId()!);
    expect(bob2.getDeviceId()).not.toBe(bob.getDeviceId());
    await knowsDevice(alice, bob.getUserId()!, bob2.getDeviceId()!);
    await alice.sendTextMessage(roomId, "for both of bob's devices");
    await decrypted(bob2, roomId, "for both of bob's devices");
    await decrypted(bob, roomId, "for both of bob's devices");

    // And the other way: bob's new device writes, alice and bob's first device read.
    await knowsDevice(bob2, alice.getUserId()!, alice.getDeviceId()!);
    await bob2.sendTextMessage(roomId, "from bob's second device");
    await decrypted(alice, roomId, "from bob's second device");
    await decrypted(bob, roomId, "from bob's second device");
  }, 60_000);

  test("cross-signing bootstraps through password UIA and the other user sees alice's device as signed by her", async () => {
    await crypto(alice).bootstrapCrossSigning({ authUploadDeviceSigningKeys: await authWithPassword(alice) });
    expect(await crypto(alice).isCrossSigningReady()).toBe(true);
    // The device's signature goes up with /keys/signatures/upload and comes back through /keys/query.
    const own = await waitFor(onClient(alice, [CryptoEvent.DevicesUpdated, CryptoEvent.UserTrustStatusChanged, ClientEvent.Sync]), async () => {
      const status = await crypto(alice).getDeviceVerificationStatus(alice.getUserId()!, alice.getDeviceId()!);
      return status?.crossSigningVerified ? status : undefined;
    }, "alice's own device cross-signed");
    expect(own.signedByOwner).toBe(true);

    // Bob learns of the new identity through device_lists.changed and a fresh /keys/query.
    await waitFor(onClient(bob, [CryptoEvent.UserTrustStatusChanged, CryptoEvent.DevicesUpdated, ClientEvent.Sync]), async () =>
      (await crypto(bob).userHasCrossSigningKeys(alice.getUserId()!)) ? true : undefined, "alice's identity at bob");
    const seen = await waitFor(onClient(bob, [CryptoEvent.DevicesUpdated, ClientEvent.Sync]), async () => {
      const status = await crypto(bob).getDeviceVerificationStatus(alice.getUserId()!, alice.getDeviceId()!);
      return status?.signedByOwner ? status : undefined;
    }, "alice's device signed by her, at bob");
    expect(seen.signedByOwner).toBe(true);
    // Bob has not verified alice: signed by its owner, not verified by bob.
    expect(seen.crossSigningVerified).toBe(false);
    const aliceStatus = await crypto(bob).getUserVerificationStatus(alice.getUserId()!);
    expect(aliceStatus.isCrossSigningVerified()).toBe(false);

    // A second bootstrap that resets the keys must pass the password stage.
    let stages = 0;
    await crypto(alice).bootstrapCrossSigning({
      setupNewCrossSigning: true,
      authUploadDeviceSigningKeys: async (makeRequest) => {
        stages++;
        await (await authWithPassword(alice))(makeRequest);
      },
    });
    expect(stages).toBe(1);
    await waitFor(onClient(alice, [CryptoEvent.DevicesUpdated, CryptoEvent.UserTrustStatusChanged, ClientEvent.Sync]), async () =>
      (await crypto(alice).getDeviceVerificationStatus(alice.getUserId()!, alice.getDeviceId()!))?.crossSigningVerified ? true : undefined,
      "alice's device cross-signed by the new keys");
  }, 60_000);

  test("a key backup round-trips: a fresh device restores with the recovery key and decrypts an old message", async () => {
    await alice.sendTextMessage(roomId, "before the backup");
    await decrypted(bob, roomId, "before the backup");

    await crypto(alice).resetKeyBackup();
    const check = await crypto(alice).checkKeyBackupAndEnable();
    expect(check?.backupInfo.algorithm).toBe("m.megolm_backup.v1.curve25519-aes-sha2");
    const version = check!.backupInfo.version!;
    expect(await crypto(alice).getActiveSessionBackupVersion()).toBe(version);

    // The megolm session alice sent with reaches the server's backup.
    const sessionId = (await decrypted(alice, roomId, "before the backup")).getWireContent().session_id as string;
    // The sdk uploads to the backup after a random delay of up to 10 s.
    await waitFor(onClient(alice, [CryptoEvent.KeyBackupSessionsRemaining]), async () => {
      const backup = (await alice.http.authedRequest("GET" as never, "/room_keys/keys", { version })) as { rooms: Record<string, { sessions: Record<string, unknown> }> };
      return backup.rooms[roomId]?.sessions[sessionId] ? true : undefined;
    }, "the session in the server's backup", 30_000);

    const recoveryKey = encodeRecoveryKey((await crypto(alice).getSessionBackupPrivateKey())!)!;
    expect(recoveryKey).toBeString();

    const fresh = await loginAgain(alice.getUserId()!);
    const old = await waitFor(onClient(fresh, timelineEvents), () =>
      fresh.getRoom(roomId)?.getLiveTimeline().getEvents().find((e) => e.getWireContent().session_id === sessionId),
      "the old message at the fresh device");
    await old.getDecryptionPromise();
    expect(old.isDecryptionFailure()).toBe(true);

    await crypto(fresh).storeSessionBackupPrivateKey(decodeRecoveryKey(recoveryKey), version);
    const restored = await crypto(fresh).restoreKeyBackup();
    expect(restored.imported).toBeGreaterThanOrEqual(1);
    const readable = await decrypted(fresh, roomId, "before the backup");
    expect(readable.isDecryptionFailure()).toBe(false);
    expect(readable.getSender()).toBe(alice.getUserId()!);
  }, 60_000);
});
