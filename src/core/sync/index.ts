/**
 * Sync and the ephemeral data it carries, wired together: the notifier hears every
 * after-commit signal (room events, to-device messages, device lists, account data, push
 * rules, typing, receipts, presence) and wakes the long-polls they concern.
 */
import type { Config } from "../../config.ts";
import type { Logger } from "../../logger.ts";
import { serverNameOf } from "../../matrix/ids.ts";
import type { Stores } from "../../storage/index.ts";
import type { Clock } from "../clock.ts";
import type { DeviceListListener } from "../e2ee/device-lists.ts";
import type { ToDeviceListener } from "../e2ee/to-device.ts";
import { createPresence } from "../ephemeral/presence.ts";
import { createReceipts, type ReceiptDeps } from "../ephemeral/receipts.ts";
import { createTyping } from "../ephemeral/typing.ts";
import type { GatewaySender } from "../push/gateway-sender.ts";
import type { Notifications } from "../push/notifications.ts";
import type { PushRules } from "../push/push-rules.ts";
import type { RoomServices } from "../rooms/index.ts";
import type { AppendedEvents } from "../timeline/appended-events.ts";
import type { AccountData } from "../users/account-data.ts";
import { EventType } from "../../matrix/event-types.ts";
import { createNotifier } from "./notifier.ts";
import { createMembershipDeviceListChanges } from "./streams/device-lists.ts";
import { createStreamHeads, createSyncStreams, type SyncStreamDeps } from "./streams/index.ts";
import { createSharedRooms } from "./streams/shared-rooms.ts";
import { createSync, type SyncDeps } from "./sync.ts";

/** An ephemeral event as MSC2409 hands it to application services: m.typing and m.receipt with a room_id, m.presence with a sender. */
export interface EphemeralEvent {
  type: string;
  content: Record<string, unknown>;
  room_id?: string;
  sender?: string;
}

export type EphemeralListener = (event: EphemeralEvent) => void;

export interface SyncServiceDeps {
  config: Pick<Config, "server_name" | "allow_local_presence" | "presence_idle_timeout_s" | "presence_offline_timeout_s">;
  stores: SyncStreamDeps["stores"] & Pick<Stores, "transaction" | "groupCommit">;
  clock: Clock;
  logger: Logger;
  appended: Pick<AppendedEvents, "onEventAppended">;
  rooms: Pick<RoomServices["rooms"], "usersSharingRoomWith" | "isJoinedMember">;
  visibility: SyncStreamDeps["visibility"] & ReceiptDeps["visibility"];
  clientEvents: SyncStreamDeps["clientEvents"];
  accountData: SyncStreamDeps["accountData"] & Pick<AccountData, "onAccountDataChanged" | "setFullyRead">;
  pushRules: SyncStreamDeps["pushRules"] & Pick<PushRules, "onPushRulesChanged">;
  toDevice: SyncStreamDeps["toDevice"];
  deviceKeys: SyncStreamDeps["deviceKeys"];
  deviceLists: SyncStreamDeps["deviceLists"];
  filters: SyncDeps["filters"];
  pushNotifications: Pick<Notifications, "unreadCounts" | "unreadCountsByRoom" | "resetCounts">;
  pushGateway: Pick<GatewaySender, "pushCounts">;
  /** The rooms engine's thread of an event, for threaded receipts. */
  threadOf: (eventId: string) => string | undefined;
  /** The e2ee services' after-commit listener lists. */
  listeners: { toDevice: ToDeviceListener[]; deviceLists: DeviceListListener[] };
}

/**
 * Storage's "what is committed?" as sync asks it: resolves once the writes made so far are
 * committed. The one place that knows storage batches commits (`groupCommit`).
 */
function untilCommitted(stores: Pick<Stores, "groupCommit">): () => Promise<void> {
  return () => stores.groupCommit.settled();
}

export function createSyncServices(deps: SyncServiceDeps) {
  const { stores, clock, rooms } = deps;
  /** Typing, receipts and presence as they happen, for whoever else wants them (application services, MSC2409). */
  const ephemeralListeners: EphemeralListener[] = [];
  const ephemeral = (event: EphemeralEvent) => {
    for (const listener of ephemeralListeners) {
      try {
        listener(event);
      } catch (error) {
        deps.logger.error("an ephemeral-data listener failed", { type: event.type, error: String(error) });
      }
    }
  };
  const heads = createStreamHeads(deps);
  const notifier = createNotifier({
    joinedMembersOf: (roomId) => stores.memberships.selectMembersOfRoom(roomId, "join").map((row) => row.user_id),
    usersSharingRoomWith: rooms.usersSharingRoomWith,
    heads,
  });
  const typing = createTyping({
    clock, isJoined: rooms.isJoinedMember,
    onChange: (roomId) => {
      notifier.onTyping(roomId);
      ephemeral({ type: EventType.Typing, room_id: roomId, content: { user_ids: typing.typingIn(roomId) } });
    },
  });
  const presence = createPresence({
    config: deps.config, clock,
    onChange: (userId) => {
      notifier.onPresence(userId);
      ephemeral({ type: EventType.Presence, sender: userId, content: { ...presence.presenceOf(userId) } });
    },
    sharesRoom: (userId, other) => stores.memberships.selectSharesRoom(userId, other),
  });
  const streams = createSyncStreams({ ...deps, typing, presence }, heads);
  const receipts = createReceipts({
    stores, visibility: deps.visibility, notifications: deps.pushNotifications,
    gateway: deps.pushGateway, accountData: deps.accountData, threadOf: deps.threadOf, clock, logger: deps.logger,
    onReceipt: (receipt) => {
      notifier.onReceipt(receipt);
      const data = receipt.thread_id === "" ? { ts: receipt.ts } : { ts: receipt.ts, thread_id: receipt.thread_id };
      ephemeral({ type: EventType.Receipt, room_id: receipt.room_id, content: { [receipt.event_id]: { [receipt.receipt_type]: { [receipt.user_id]: data } } } });
    },
  });
  const sync = createSync({
    stores, streams, log: heads.events, toDevice: heads.toDevice, untilCommitted: untilCommitted(stores), notifier,
    pushNotifications: deps.pushNotifications, presence, filters: deps.filters, logger: deps.logger,
  });

  // Each after-commit signal is one notifier method: it moves its stream's head and wakes whom it concerns.
  deps.appended.onEventAppended((event) => {
    notifier.onRoomEvent(event);
    if (serverNameOf(event.sender) === deps.config.server_name) presence.userActive(event.sender);
  });
  deps.listeners.toDevice.push((userId, deviceId) => notifier.onToDevice(userId, deviceId));
  deps.listeners.deviceLists.push((userId) => notifier.onDeviceListChange(userId, deps.deviceLists.deviceListPosition()));
  deps.accountData.onAccountDataChanged((userId, position) => notifier.onAccountData(userId, position));
  deps.pushRules.onPushRulesChanged((userId, position) => notifier.onPushRules(userId, position));

  return {
    sync,
    typing,
    presence,
    receipts,
    /** The after-commit signals (onRoomEvent, onToDevice, …), for wiring that calls them directly. */
    notifier,
    /** Wakes every parked long-poll and answers new ones at once: call when the server starts stopping. */
    closeLongPolls(): void {
      notifier.close();
      typing.close();
    },
    parkedLongPolls: () => notifier.parkedCount(),
    /** For GET /keys/changes: who started and stopped sharing a room with a user between two sync tokens. */
    deviceListMembershipChanges: createMembershipDeviceListChanges(stores, createSharedRooms(stores)),
    /** Hears typing, receipts and presence after each change (application services forward them). */
    onEphemeral: (listener: EphemeralListener) => void ephemeralListeners.push(listener),
  };
}

export type SyncServices = ReturnType<typeof createSyncServices>;
