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

export async function createUser(server: TestServer, localpart = `user${++counter}`, password: string | null = "correct horse"): Promise<TestUser> {
  const { accounts, sessions } = server.services;
  const user_id = await accounts.createUser(localpart, password);
  const device_id = `DEV${counter}${Math.random().toString(36).slice(2, 8).toUpperCase()}`;
  server.stores.devices.insertDevice(user_id, device_id, null, Date.now());
  return { user_id, device_id, access_token: sessions.issueAccessToken(user_id, device_id) };
}

/** A clock the test moves by hand (token expiry, rate-limit refills). */
export function manualClock(start = 1_700_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

/** `@user:server` as it appears in a path. */
export const pathId = (id: string) => encodeURIComponent(id);

/** The auth dict of the m.login.password stage for `user`. */
export function passwordAuth(user: TestUser | string, session: string, password = "correct horse") {
  return { type: "m.login.password", identifier: { type: "m.id.user", user: typeof user === "string" ? user : user.user_id }, password, session };
}
