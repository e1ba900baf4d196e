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
