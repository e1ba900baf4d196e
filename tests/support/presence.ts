/** The server's presence state, as /sync and GET /presence render it, and its periodic sweep. */
import type { TestServer } from "./server.ts";

/** The user's presence now (presence, last_active_ago, currently_active, status_msg). */
export const presenceOf = (server: TestServer, userId: string) => server.services.presence.presenceOf(userId);

/** Runs the periodic sweep now (idle and offline timeouts), as the background task would on its interval. */
export const sweepPresence = (server: TestServer): void => void server.services.presence.sweep();
