/**
 * Room fixtures over HTTP, in the style of Dendrite's test.NewRoom: create a room, send a
 * message, join, each asserting success so tests read as the scenario they describe.
 */
import { expect } from "bun:test";
import { createUser, type TestUser } from "./fixtures.ts";
import type { TestServer } from "./server.ts";

export const V3 = "/_matrix/client/v3";

let txn = 0;

export function roomPath(roomId: string, rest = ""): string {
  return `${V3}/rooms/${encodeURIComponent(roomId)}${rest}`;
}

export async function createRoom(
  server: TestServer,
  user: TestUser,
  body: Record<string, unknown> = {},
): Promise<string> {
  const res = await server.post(`${V3}/createRoom`, body, { token: user.access_token });
  if (res.status !== 200) throw new Error(`createRoom failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.room_id as string;
}

export async function sendMessage(
  server: TestServer,
  user: TestUser,
  roomId: string,
  body = "hello",
  type = "m.room.message",
): Promise<string> {
  const res = await server.put(
    roomPath(roomId, `/send/${type}/t${++txn}`),
    { msgtype: "m.text", body },
    { token: user.access_token },
  );
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.event_id as string;
}

/** Sends an event with any content (relations, edits) and returns its id. */
export async function sendEvent(
  server: TestServer,
  user: TestUser,
  roomId: string,
  type: string,
  content: Record<string, unknown>,
): Promise<string> {
  const res = await server.put(roomPath(roomId, `/send/${type}/t${++txn}`), content, { token: user.access_token });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.event_id as string;
}

export async function setState(
  server: TestServer,
  user: TestUser,
  roomId: string,
  type: string,
  stateKey: string,
  content: unknown,
) {
  return server.put(roomPath(roomId, `/state/${type}/${encodeURIComponent(stateKey)}`), content, {
    token: user.access_token,
  });
}

export async function join(server: TestServer, user: TestUser, roomIdOrAlias: string) {
  const res = await server.post(`${V3}/join/${encodeURIComponent(roomIdOrAlias)}`, {}, { token: user.access_token });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

export async function invite(server: TestServer, inviter: TestUser, roomId: string, invitee: TestUser) {
  const res = await server.post(
    roomPath(roomId, "/invite"),
    { user_id: invitee.user_id },
    { token: inviter.access_token },
  );
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

export async function messages(server: TestServer, user: TestUser, roomId: string, query: Record<string, string>) {
  return server.get(roomPath(roomId, `/messages?${new URLSearchParams(query)}`), { token: user.access_token });
}

/** A user without a password: room tests log in by token, and argon2 hashing would dominate their run time. */
export function newUser(server: TestServer): Promise<TestUser> {
  return createUser(server, undefined, null);
}
