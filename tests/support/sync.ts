/** /sync in tests: a request helper and readers for the parts of the response tests look at. */
import { expect } from "bun:test";
import type { TestUser } from "./fixtures.ts";
import { V3 } from "./rooms.ts";
import type { TestServer } from "./server.ts";

export type SyncQuery = Record<string, string | number | boolean | object>;

export async function sync(server: TestServer, user: TestUser, query: SyncQuery = {}): Promise<any> {
  const params = new URLSearchParams(
    Object.entries(query).map(([k, v]): [string, string] => [k, typeof v === "object" ? JSON.stringify(v) : String(v)]),
  );
  const res = await server.get(`${V3}/sync?${params}`, { token: user.access_token });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

/** The timeline events of a joined room (none if the room is absent). */
export const timeline = (body: any, roomId: string): any[] => body.rooms.join[roomId]?.timeline.events ?? [];

/** The state events of a joined room, under whichever key the response used. */
export const roomState = (body: any, roomId: string, key = "state"): any[] =>
  body.rooms.join[roomId]?.[key]?.events ?? [];

export const types = (events: any[]): string[] => events.map((event) => event.type);
export const bodiesOf = (events: any[]): string[] =>
  events.filter((e) => e.type === "m.room.message").map((e) => e.content.body);
