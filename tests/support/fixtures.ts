/**
 * Fixtures in the style of Dendrite's test.NewUser: real accounts made through the core
 * services (HTTP registration has its own tests).
 */
import type { TestServer } from "./server.ts";

export interface TestUser {
  user_id: string;
  device_id: string;
  access_token: string;
}

let counter = 0;

/** The password every fixture user has unless a test gives another. */
export const TEST_PASSWORD = "correct horse";

/**
 * One argon2id hash per distinct password per test process. Hashing at production cost takes
 * 0.2–0.4 s, and most tests never log in with the password; those that do verify it at full
 * cost against this hash, as /login would for any user. Registration over HTTP still hashes
 * each password itself (tests/api/client/register.test.ts).
 */
const passwordHashes = new Map<string, Promise<string>>();
export function passwordHashOf(password: string): Promise<string> {
  let hash = passwordHashes.get(password);
  if (!hash) passwordHashes.set(password, (hash = Bun.password.hash(password, { algorithm: "argon2id" })));
  return hash;
}

export async function createUser(
  server: TestServer,
  localpart = `user${++counter}`,
  password: string | null = TEST_PASSWORD,
): Promise<TestUser> {
  const { accounts, sessions } = server.services;
  const user_id = await accounts.createUser(localpart, null);
  if (password !== null) server.stores.accounts.updatePasswordHash(user_id, await passwordHashOf(password));
  const device_id = `DEV${counter}${Math.random().toString(36).slice(2, 8).toUpperCase()}`;
  server.stores.devices.insertDevice(user_id, device_id, null, Date.now());
  return { user_id, device_id, access_token: sessions.issueAccessToken(user_id, device_id) };
}

/** Another logged-in device of `user`, as a second login would make it. */
export function addDevice(server: TestServer, user: TestUser, deviceId: string): TestUser {
  server.stores.devices.insertDevice(user.user_id, deviceId, null, Date.now());
  return {
    user_id: user.user_id,
    device_id: deviceId,
    access_token: server.services.sessions.issueAccessToken(user.user_id, deviceId),
  };
}

/** Names the device as stored, without going through PUT /devices/{deviceId}. */
export function setDeviceDisplayName(server: TestServer, device: TestUser, displayName: string): void {
  server.stores.devices.updateDisplayName(device.user_id, device.device_id, displayName);
}

/** A guest account with one device, as POST /register?kind=guest makes it (that endpoint has its own tests). */
export async function createGuest(
  server: TestServer,
  localpart = `guest${Math.random().toString(36).slice(2, 10)}`,
  deviceId = "GUESTDEV",
): Promise<TestUser> {
  const user_id = await server.services.accounts.createUser(localpart, null, { guest: true });
  return addDevice(server, { user_id, device_id: "", access_token: "" }, deviceId);
}

/** Makes the user a server admin, as `bunduit user create --admin` would. */
export function makeAdmin(server: TestServer, user: TestUser): void {
  server.stores.accounts.updateAdmin(user.user_id, true);
}

/**
 * Deactivates the account as POST /account/deactivate or the operator CLI would, without the
 * user-interactive auth (tests of the endpoint itself go through HTTP).
 */
export function deactivateUser(server: TestServer, user: TestUser | string): void {
  server.services.accounts.deactivate(typeof user === "string" ? user : user.user_id);
}

/**
 * A clock the test moves by hand (token expiry, rate-limit refills, delayed events, typing).
 * Timers set on it fire, in due order, when `advance` moves the clock past their time.
 */
export function manualClock(start = 1_700_000_000_000) {
  let now = start;
  let sequence = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimer(fn: () => void, ms: number): () => void {
      // Due already: it runs on the next turn, as setTimeout(fn, 0) would; no advance is coming for it.
      if (ms <= 0) {
        const timer = setTimeout(fn, 0);
        return () => clearTimeout(timer);
      }
      const id = ++sequence;
      timers.set(id, { at: now + ms, fn });
      return () => void timers.delete(id);
    },
    advance(ms: number): void {
      const target = now + ms;
      for (;;) {
        // The earliest due timer, in the order set; one it sets while running may be due too.
        let next: [number, { at: number; fn: () => void }] | undefined;
        for (const entry of timers) if (entry[1].at <= target && (!next || entry[1].at < next[1].at)) next = entry;
        if (!next) break;
        timers.delete(next[0]);
        now = Math.max(now, next[1].at);
        next[1].fn();
      }
      now = target;
    },
    /** How many timers are set (a test can see that nothing is left waiting). */
    pendingTimers: () => timers.size,
  };
}

/** `@user:server` as it appears in a path. */
export const pathId = (id: string) => encodeURIComponent(id);

/** The auth dict of the m.login.password stage for `user`. */
export function passwordAuth(user: TestUser | string, session: string, password = "correct horse") {
  return {
    type: "m.login.password",
    identifier: { type: "m.id.user", user: typeof user === "string" ? user : user.user_id },
    password,
    session,
  };
}
