/**
 * End-to-end encryption with matrix-js-sdk's Rust crypto (matrix-sdk-crypto-wasm, loaded
 * under Bun) against a real bunduit process: megolm messages both ways in an encrypted
 * room, a second device of a user getting the room keys, cross-signing bootstrapped through
 * password UIA and seen by the other user, and a key backup restored on a fresh device.
 * Crypto that cannot start fails these tests; nothing is skipped.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  ClientEvent,
  createClient,
  MatrixEventEvent,
  RoomEvent,
  RoomMemberEvent,
  SyncState,
  type ICreateClientOpts,
  type MatrixClient,
  type MatrixEvent,
} from "matrix-js-sdk";
import {
  CryptoEvent,
  decodeRecoveryKey,
  encodeRecoveryKey,
  type CryptoApi,
} from "matrix-js-sdk/lib/crypto-api/index.js";
import { logger, type Logger } from "matrix-js-sdk/lib/logger.js";
import { openRegistrationToml } from "../support/sdk.ts";
import { startServerProcess, tempDir, type ServerProcess } from "../support/server.ts";

const PASSWORD = "a good password";
let dir: ReturnType<typeof tempDir>;
let server: ServerProcess;
const clients: MatrixClient[] = [];

const rootGetChild = logger.getChild;

beforeAll(async () => {
  (logger as unknown as { disableAll(): void }).disableAll();
  // Child loggers (MatrixRTC sessions) are created at debug level whatever the root's; silence them while here.
  logger.getChild = () => silent;
  dir = tempDir();
  server = await startServerProcess({
    dir: dir.path,
    toml: openRegistrationToml(dir.path),
  });
});

afterAll(async () => {
  logger.getChild = rootGetChild;
  for (const client of clients) client.stopClient();
  await server.stop();
  dir.remove();
});

let secretStorageKey: Uint8Array<ArrayBuffer> | undefined;

const silent: Logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, getChild: () => silent };

/** A logged-in client with Rust crypto started (in memory) and syncing. */
async function cryptoClient(
  login: { user_id: string; device_id?: string; access_token?: string },
  options: Partial<ICreateClientOpts> = {},
): Promise<MatrixClient> {
  const client = createClient({
    baseUrl: server.url,
    accessToken: login.access_token!,
    userId: login.user_id,
    deviceId: login.device_id!,
    logger: silent,
    // The secret storage key the test created, as a user would type it in; there is only one.
    cryptoCallbacks: {
      getSecretStorageKey: async ({ keys }) => (secretStorageKey ? [Object.keys(keys)[0]!, secretStorageKey] : null),
    },
    ...options,
  });
  clients.push(client);
  await client.initRustCrypto({ useIndexedDB: false });
  if (!client.getCrypto()) throw new Error("Rust crypto did not start");
  const states: string[] = [];
  client.on(ClientEvent.Sync, (state) => states.push(state));
  await client.startClient({ initialSyncLimit: 20, lazyLoadMembers: true });
  await waitFor(
    onClient(client, [ClientEvent.Sync]),
    () => (client.getSyncState() === SyncState.Syncing ? true : undefined),
    "SYNCING",
    10_000,
  );
  return client;
}

async function register(username: string): Promise<MatrixClient> {
  const anonymous = createClient({ baseUrl: server.url, logger: silent });
  const session = await anonymous.registerRequest({ username, password: PASSWORD }).then(
    () => undefined,
    (error: { data?: { session?: string } }) => error.data?.session,
  );
  const done = await anonymous.registerRequest({
    username,
    password: PASSWORD,
    auth: { type: "m.login.dummy", session },
  });
  return cryptoClient(done);
}

/** Another device of an existing user: a second password login. */
async function loginAgain(userId: string, options: Partial<ICreateClientOpts> = {}): Promise<MatrixClient> {
  const anonymous = createClient({ baseUrl: server.url, logger: silent });
  const login = await anonymous.loginRequest({
    type: "m.login.password",
    identifier: { type: "m.id.user", user: userId },
    password: PASSWORD,
  });
  return cryptoClient(login, options);
}

const crypto = (client: MatrixClient): CryptoApi => client.getCrypto()!;

function waitFor<T>(
  subscribe: (listener: () => void) => () => void,
  check: () => T | undefined | Promise<T | undefined>,
  what: string,
  ms = 10_000,
): Promise<T> {
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
  return waitFor(
    onClient(client, timelineEvents),
    () =>
      client
        .getRoom(roomId)
        ?.getLiveTimeline()
        .getEvents()
        .find((e) => e.getType() === "m.room.message" && e.getClearContent()?.body === body),
    `"${body}" decrypted by ${client.getUserId()}/${client.getDeviceId()}`,
    ms,
  );
}

/** Waits until `client`'s crypto knows `deviceId` of `userId` (after a device-list change reached it through /sync). */
function knowsDevice(client: MatrixClient, userId: string, deviceId: string): Promise<true> {
  return waitFor(
    onClient(client, [CryptoEvent.DevicesUpdated, ClientEvent.Sync]),
    async () => ((await crypto(client).getUserDeviceInfo([userId])).get(userId)?.has(deviceId) ? true : undefined),
    `${client.getUserId()} to know ${userId}/${deviceId}`,
  );
}

/** Resolves once the server's key backup `version` holds the session (the sdk uploads after a random delay of up to 10 s). */
function sessionInServerBackup(client: MatrixClient, roomId: string, sessionId: string, version: string, what: string) {
  return waitFor(
    onClient(client, [CryptoEvent.KeyBackupSessionsRemaining]),
    async () => {
      const backup = (await client.http.authedRequest("GET" as never, "/room_keys/keys", { version })) as {
        rooms: Record<string, { sessions: Record<string, unknown> }>;
      };
      return backup.rooms[roomId]?.sessions[sessionId] ? true : undefined;
    },
    what,
    30_000,
  );
}

async function authWithPassword(client: MatrixClient) {
  return async <T>(makeRequest: (auth: Record<string, unknown> | null) => Promise<T>): Promise<void> => {
    try {
      await makeRequest(null);
    } catch (error) {
      const session = (error as { data?: { session?: string } }).data?.session;
      if (!session) throw error;
      await makeRequest({
        type: "m.login.password",
        identifier: { type: "m.id.user", user: client.getUserId()! },
        password: PASSWORD,
        session,
      });
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
    expect(Object.keys(device?.keys ?? {}).sort()).toEqual([
      `curve25519:${alice.getDeviceId()}`,
      `ed25519:${alice.getDeviceId()}`,
    ]);
  }, 30_000);

  test("two users in a megolm room exchange messages that each decrypts", async () => {
    ({ room_id: roomId } = await alice.createRoom({
      name: "secrets",
      invite: [bob.getUserId()!],
      initial_state: [{ type: "m.room.encryption", state_key: "", content: { algorithm: "m.megolm.v1.aes-sha2" } }],
    }));
    await waitFor(
      onClient(bob, [ClientEvent.Room, RoomEvent.MyMembership]),
      () => (bob.getRoom(roomId)?.getMyMembership() === "invite" ? true : undefined),
      "bob's invite",
    );
    await bob.joinRoom(roomId);
    await waitFor(
      onClient(alice, [RoomMemberEvent.Membership]),
      () => (alice.getRoom(roomId)?.getMember(bob.getUserId()!)?.membership === "join" ? true : undefined),
      "bob joined at alice",
    );
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
    const own = await waitFor(
      onClient(alice, [CryptoEvent.DevicesUpdated, CryptoEvent.UserTrustStatusChanged, ClientEvent.Sync]),
      async () => {
        const status = await crypto(alice).getDeviceVerificationStatus(alice.getUserId()!, alice.getDeviceId()!);
        return status?.crossSigningVerified ? status : undefined;
      },
      "alice's own device cross-signed",
    );
    expect(own.signedByOwner).toBe(true);

    // Bob learns of the new identity through device_lists.changed and a fresh /keys/query.
    await waitFor(
      onClient(bob, [CryptoEvent.UserTrustStatusChanged, CryptoEvent.DevicesUpdated, ClientEvent.Sync]),
      async () => ((await crypto(bob).userHasCrossSigningKeys(alice.getUserId()!)) ? true : undefined),
      "alice's identity at bob",
    );
    const seen = await waitFor(
      onClient(bob, [CryptoEvent.DevicesUpdated, ClientEvent.Sync]),
      async () => {
        const status = await crypto(bob).getDeviceVerificationStatus(alice.getUserId()!, alice.getDeviceId()!);
        return status?.signedByOwner ? status : undefined;
      },
      "alice's device signed by her, at bob",
    );
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
    await waitFor(
      onClient(alice, [CryptoEvent.DevicesUpdated, CryptoEvent.UserTrustStatusChanged, ClientEvent.Sync]),
      async () =>
        (await crypto(alice).getDeviceVerificationStatus(alice.getUserId()!, alice.getDeviceId()!))
          ?.crossSigningVerified
          ? true
          : undefined,
      "alice's device cross-signed by the new keys",
    );
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
    await sessionInServerBackup(alice, roomId, sessionId, version, "the session in the server's backup");

    const recoveryKey = encodeRecoveryKey((await crypto(alice).getSessionBackupPrivateKey())!)!;
    expect(recoveryKey).toBeString();

    const fresh = await loginAgain(alice.getUserId()!);
    const old = await waitFor(
      onClient(fresh, timelineEvents),
      () =>
        fresh
          .getRoom(roomId)
          ?.getLiveTimeline()
          .getEvents()
          .find((e) => e.getWireContent().session_id === sessionId),
      "the old message at the fresh device",
    );
    await old.getDecryptionPromise();
    expect(old.isDecryptionFailure()).toBe(true);

    await crypto(fresh).storeSessionBackupPrivateKey(decodeRecoveryKey(recoveryKey), version);
    const restored = await crypto(fresh).restoreKeyBackup();
    expect(restored.imported).toBeGreaterThanOrEqual(1);
    const readable = await decrypted(fresh, roomId, "before the backup");
    expect(readable.isDecryptionFailure()).toBe(false);
    expect(readable.getSender()).toBe(alice.getUserId()!);
  }, 60_000);

  test("secret storage: the backup key kept in account data lets a fresh device restore and decrypt", async () => {
    await alice.sendTextMessage(roomId, "before secret storage");
    const sessionId = (await decrypted(alice, roomId, "before secret storage")).getWireContent().session_id as string;

    const secretKey = await crypto(alice).createRecoveryKeyFromPassphrase();
    secretStorageKey = secretKey.privateKey;
    await crypto(alice).bootstrapSecretStorage({
      createSecretStorageKey: async () => secretKey,
      setupNewKeyBackup: true,
    });
    expect(await crypto(alice).isSecretStorageReady()).toBe(true);
    const defaultKey = (await alice.getAccountDataFromServer("m.secret_storage.default_key" as never)) as {
      key?: string;
    } | null;
    expect(defaultKey?.key).toBeString();
    const version = (await crypto(alice).getActiveSessionBackupVersion())!;
    expect(version).toBeString();
    await sessionInServerBackup(alice, roomId, sessionId, version, "the session in the new backup version");

    const fresh = await loginAgain(alice.getUserId()!, {
      cryptoCallbacks: {
        getSecretStorageKey: async ({ keys }) =>
          keys[defaultKey!.key!] ? [defaultKey!.key!, secretKey.privateKey] : null,
      },
    });
    // Secret storage holds the cross-signing keys too: the fresh device can read them.
    expect(await fresh.secretStorage.isStored("m.cross_signing.master")).toBeTruthy();
    const old = await waitFor(
      onClient(fresh, timelineEvents),
      () =>
        fresh
          .getRoom(roomId)
          ?.getLiveTimeline()
          .getEvents()
          .find((e) => e.getWireContent().session_id === sessionId),
      "the old message at the fresh device",
    );
    await old.getDecryptionPromise();
    expect(old.isDecryptionFailure()).toBe(true);

    await crypto(fresh).loadSessionBackupPrivateKeyFromSecretStorage();
    expect(await crypto(fresh).getSessionBackupPrivateKey()).toEqual(await crypto(alice).getSessionBackupPrivateKey());
    const restored = await crypto(fresh).restoreKeyBackup();
    expect(restored.imported).toBeGreaterThanOrEqual(1);
    expect((await decrypted(fresh, roomId, "before secret storage")).isDecryptionFailure()).toBe(false);
  }, 60_000);
});

/**
 * To-device delivery over raw HTTP: 3,000 messages from three sending devices to one device
 * that syncs slowly (100 messages per response, a room timeline limit of 1), across a
 * graceful restart and a SIGKILL of the real process on the same directory. Retries reuse
 * the same txnId or `since`; the receiver sometimes asks again with a `since` it already
 * used (a lost response). Nothing may be lost, duplicated or reordered.
 */
describe("to-device delivery across restarts", () => {
  const SENDERS = 3;
  const PER_SENDER = 1_000;
  type Sent = { from: string; seq: number };

  test("3,000 messages reach a slowly syncing device exactly once and in order, across a restart and a kill", async () => {
    const home = tempDir();
    const toml = openRegistrationToml(home.path);
    let proc = await startServerProcess({ dir: home.path, toml });
    let restarting = false;
    try {
      /** One request, retried with the same path and body while the server is down (never on an HTTP answer). */
      async function call(method: string, path: string, body?: unknown, token?: string): Promise<any> {
        const deadline = performance.now() + 30_000;
        for (;;) {
          let response: Response | undefined;
          try {
            response = await fetch(`${proc.url}${path}`, {
              method,
              headers: {
                ...(token ? { Authorization: `Bearer ${token}` } : {}),
                ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
              },
              ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
            });
          } catch (error) {
            if (performance.now() > deadline) throw error;
            await Bun.sleep(20);
            continue;
          }
          const text = await response.text();
          if (!response.ok) throw new Error(`${method} ${path} → ${response.status} ${text}`);
          return JSON.parse(text);
        }
      }
      async function registerRaw(
        username: string,
      ): Promise<{ user_id: string; device_id: string; access_token: string }> {
        const first = await fetch(`${proc.url}/_matrix/client/v3/register`, {
          method: "POST",
          body: JSON.stringify({ username, password: PASSWORD }),
        });
        const { session } = (await first.json()) as { session: string };
        return call("POST", "/_matrix/client/v3/register", {
          username,
          password: PASSWORD,
          auth: { type: "m.login.dummy", session },
        });
      }
      const receiver = await registerRaw("receiver");
      const senders = [await registerRaw("sender")];
      for (let i = 1; i < SENDERS; i++) {
        senders.push(
          await call("POST", "/_matrix/client/v3/login", {
            type: "m.login.password",
            identifier: { type: "m.id.user", user: "sender" },
            password: PASSWORD,
          }),
        );
      }
      expect(new Set(senders.map((s) => s.device_id)).size).toBe(SENDERS);

      const filter = encodeURIComponent(JSON.stringify({ room: { timeline: { limit: 1 } }, presence: { types: [] } }));
      const sync = (since: string) =>
        call(
          "GET",
          `/_matrix/client/v3/sync?timeout=0&filter=${filter}&since=${encodeURIComponent(since)}`,
          undefined,
          receiver.access_token,
        ) as Promise<{ next_batch: string; to_device?: { events: { sender: string; type: string; content: Sent }[] } }>;
      const toDeviceOf = (response: Awaited<ReturnType<typeof sync>>): Sent[] =>
        (response.to_device?.events ?? []).map((e) => {
          expect(e.sender).toBe("@sender:test.local");
          expect(e.type).toBe("org.example.sequence");
          return e.content;
        });
      const initial = (await call(
        "GET",
        `/_matrix/client/v3/sync?timeout=0&filter=${filter}`,
        undefined,
        receiver.access_token,
      )) as { next_batch: string };

      let sent = 0;
      const received: Sent[] = [];
      const pendingAtRestart: number[] = [];
      const sending = senders.map(async (sender) => {
        for (let seq = 0; seq < PER_SENDER; seq++) {
          const messages = { [receiver.user_id]: { [receiver.device_id]: { from: sender.device_id, seq } } };
          const path = `/_matrix/client/v3/sendToDevice/org.example.sequence/${sender.device_id}-${seq}`;
          await call("PUT", path, { messages }, sender.access_token);
          // Now and then the answer is "lost" and the client sends the same transaction again.
          if (seq % 97 === 0) await call("PUT", path, { messages }, sender.access_token);
          sent++;
          if (seq % 50 === 0) await Bun.sleep(5);
        }
      });

      // Restarts at a third and two thirds of the way: SIGTERM, then SIGKILL.
      const restarts = (async () => {
        for (const [at, signal] of [
          [1_000, "SIGTERM"],
          [2_000, "SIGKILL"],
        ] as const) {
          while (sent < at) await Bun.sleep(5);
          pendingAtRestart.push(sent - received.length);
          restarting = true;
          await proc.stop(signal);
          proc = await startServerProcess({ dir: home.path, toml });
          restarting = false;
        }
      })();

      let since = initial.next_batch;
      let previous: { since: string; events: Sent[] } | undefined;
      let repeats = 0;
      let staleChecks = 0;
      let lastProgress = performance.now();
      for (let round = 0; received.length < SENDERS * PER_SENDER; round++) {
        if (performance.now() - lastProgress > 15_000)
          throw new Error(`stalled: received ${received.length} of ${SENDERS * PER_SENDER} (sent ${sent})`);
        const response = await sync(since);
        const events = toDeviceOf(response);
        expect(events.length).toBeLessThanOrEqual(100);
        if (round % 7 === 3 && events.length > 0) {
          // The response was "lost": the same since gets the same messages first (nothing was deleted yet).
          const again = toDeviceOf(await sync(since));
          expect(again.slice(0, events.length)).toEqual(events);
          repeats++;
        }
        if (round % 11 === 5 && previous && previous.events.length > 0 && events.length > 0) {
          // Syncing with `since` acknowledged the previous batch: an older token no longer gets it.
          const stale = toDeviceOf(await sync(previous.since));
          expect(stale.slice(0, events.length)).toEqual(events);
          staleChecks++;
        }
        received.push(...events);
        if (events.length > 0 || restarting) lastProgress = performance.now();
        if (events.length > 0) previous = { since, events };
        expect(response.next_batch).toBeString();
        since = response.next_batch;
        await Bun.sleep(events.length === 0 ? 20 : 120);
      }
      await Promise.all(sending);
      await restarts;
      expect(restarting).toBe(false);
      // Both restarts happened with hundreds of messages still waiting in the inbox.
      expect(pendingAtRestart.length).toBe(2);
      for (const pending of pendingAtRestart) expect(pending).toBeGreaterThan(200);

      expect(received.length).toBe(SENDERS * PER_SENDER);
      for (const sender of senders) {
        expect(received.filter((m) => m.from === sender.device_id).map((m) => m.seq)).toEqual(
          Array.from({ length: PER_SENDER }, (_, i) => i),
        );
      }
      expect(repeats).toBeGreaterThan(0);
      expect(staleChecks).toBeGreaterThan(0);
      // Nothing more is waiting, and the last token still answers after the restarts.
      expect(toDeviceOf(await sync(since))).toEqual([]);
    } finally {
      await proc.stop();
      home.remove();
    }
  }, 180_000);
});
