/**
 * The server's typing state, read as /sync would build its ephemeral section from it: who
 * types in a room, and the typing stream's position (what a sync token carries).
 */
import type { TestServer } from "./server.ts";

/** The users typing in the room now. */
export const typingIn = (server: TestServer, roomId: string): string[] => server.services.typing.typingIn(roomId);

/** The typing stream's position. */
export const typingPosition = (server: TestServer): number => server.services.typing.position();

/** The typing list of the room if it changed after `position` (as an incremental sync asks). */
export const typingSince = (server: TestServer, roomId: string, position: number) =>
  server.services.typing.typingSince(roomId, position);
