/**
 * The positions and change listeners /sync builds on, for tests that must see a stream not
 * move (a no-op write) or hear exactly one change: receipts, account data, push rules,
 * profiles, device deletion, deactivation.
 */
import type { TestServer } from "./server.ts";

type Services = TestServer["services"];

export const receiptsPosition = (server: TestServer): number => server.services.receipts.position();

export const accountDataPosition = (server: TestServer): number => server.services.accountData.currentPosition();

/** The user's account data changed after `position`, as an incremental /sync reads it. */
export const accountDataChangedSince = (server: TestServer, userId: string, position: number) => server.services.accountData.changedSince(userId, position);

export const onAccountDataChanged = (server: TestServer, listener: Parameters<Services["accountData"]["onAccountDataChanged"]>[0]): void =>
  void server.services.accountData.onAccountDataChanged(listener);

export const pushRulesPosition = (server: TestServer): number => server.services.pushRules.currentPosition();

export const onPushRulesChanged = (server: TestServer, listener: Parameters<Services["pushRules"]["onPushRulesChanged"]>[0]): void =>
  void server.services.pushRules.onPushRulesChanged(listener);

/** The m.push_rules account-data event /sync would send the user. */
export const pushRulesAccountData = (server: TestServer, userId: string) => server.services.pushRules.pushRulesAccountData(userId);

export const onProfileChanged = (server: TestServer, listener: Parameters<Services["profiles"]["onProfileChanged"]>[0]): void =>
  void server.services.profiles.onProfileChanged(listener);

export const onDevicesDeleted = (server: TestServer, listener: Parameters<Services["devices"]["onDevicesDeleted"]>[0]): void =>
  void server.services.devices.onDevicesDeleted(listener);

export const onDeactivated = (server: TestServer, listener: Parameters<Services["accounts"]["onDeactivated"]>[0]): void =>
  void server.services.accounts.onDeactivated(listener);

/** Writes the devices' buffered last-seen times, as the background task does every 30 s. */
export const flushLastSeen = (server: TestServer): void => void server.services.sessions.flushLastSeen();

/** The room's unread counts for the user (total and per thread), as /sync reports them. */
export const unreadCounts = (server: TestServer, userId: string, roomId: string) => server.services.pushNotifications.unreadCounts(userId, roomId);

/** Resolves once the push gateway sender has nothing in flight. */
export const pushGatewayIdle = (server: TestServer): Promise<void> => server.services.pushGateway.idle();
