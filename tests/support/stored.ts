/**
 * What only the server's storage can show: rows a test must see (or see absent) that no
 * client endpoint returns, such as content reports, which go to the operator, and a user's
 * receipt as stored rather than as /sync renders it.
 */
import type { TestServer } from "./server.ts";

/** The content reports the operator would list, oldest first. */
export const storedReports = (server: TestServer, limit = 10) => server.stores.reports.selectReports(0, limit);

/** The user's stored receipt of `type` in the room (thread "" is the unthreaded one). */
export const storedReceipt = (server: TestServer, roomId: string, type: string, userId: string, threadId = "") =>
  server.stores.receipts.selectReceipt(roomId, type, userId, threadId);
