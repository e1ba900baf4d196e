/**
 * The positions /sync builds on, for tests that must see a stream not move (a no-op write),
 * and what it reports beside them: receipts, account data, push rules, unread counts.
 */
import type { TestServer } from "./server.ts";

export const receiptsPosition = (server: TestServer): number => server.services.receipts.position();

export const accountDataPosition = (server: TestServer): number => server.services.accountData.currentPosition();

/** The user's account data changed after `position`, as an incremental /sync reads it. */
export const accountDataChangedSince = (server: TestServer, userId: string, position: number) =>
  server.services.accountData.changedSince(userId, position);

export const pushRulesPosition = (server: TestServer): number => server.services.pushRules.currentPosition();

/** The m.push_rules account-data event /sync would send the user. */
export const pushRulesAccountData = (server: TestServer, userId: string) =>
  server.services.pushRules.pushRulesAccountData(userId);

/** Writes the devices' buffered last-seen times, as the background task does every 30 s. */
export const flushLastSeen = (server: TestServer): void => void server.services.sessions.flushLastSeen();

/** The room's unread counts for the user (total and per thread), as /sync reports them. */
export const unreadCounts = (server: TestServer, userId: string, roomId: string) =>
  server.services.pushNotifications.unreadCounts(userId, roomId);

/** Resolves once the push gateway sender has nothing in flight. */
export const pushGatewayIdle = (server: TestServer): Promise<void> => server.services.pushGateway.idle();
