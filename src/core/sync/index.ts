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
import type { DeviceListListener, DeviceLists } from "../e2ee/device-lists.ts";
import type { ToDeviceListener } from "../e2ee/to-device.ts";
import { createPresence } from "../ephemeral/presence.ts";
import { createReceipts } from "../ephemeral/receipts.ts";
import { createTyping } from "../ephemeral/typing.ts";
import type { GatewaySender } from "../push/gateway-sender.ts";
import type { Notifications } from "../push/notifications.ts";
import type { PushRules } from "../push/push-rules.ts";
import type { RoomServices } from "../rooms/index.ts";
import type { AppendedEvents } from "../rooms/appended-events.ts";
import type { AccountData } from "../users/account-data.ts";
import { EventType } from "../../matrix/event-types.ts";
import { ReceiptType } from "../ephemeral/receipts.ts";
import { createNotifier } from "./notifier.ts";
import { createMembershipDeviceListChanges } from "./streams/device-lists.ts";
import { createSharedRooms } from "./streams/shared-rooms.ts";
import { createStreamHeads } from "./stream-heads.ts";
import { createSync, type SyncDeps } from "./sync.ts";

/** An ephemeral event as MSC2409 hands it to application services: m.typing and m.receipt with a room_id, m.presence with a sender. */
export interface EphemeralEvent {
  type: string;
  content: Record<string, unknown>;
  room_id?: string;
  sender?: string;
}

export type EphemeralListener = (event: EphemeralEvent) => void;

export interface SyncServiceDeps extends Omit<SyncDeps, "stores" | "typing" | "presence" | "notifier" | "heads" | "accountData" | "pushRules" | "pushNotifications" | "deviceLists"> {
  config: Pick<Config, "server_name" | "allow_local_presence" | "presence_idle_timeout_s" | "presence_offline_timeout_s">;
  stores: SyncDeps["stores"] & Pick<Stores, "transaction">;
  clock: Clock;
  logger: Logger;
  appended: Pick<AppendedEvents, "onEventAppended">;
  rooms: Pick<RoomServices["rooms"], "usersSharingRoomWith" | "isJoinedMember">;
  accountData: SyncDeps["accountData"] & Pick<AccountData, "onAccountDataChanged" | "setFullyRead" | "currentPosition">;
  pushRules: SyncDeps["pushRules"] & Pick<PushRules, "onPushRulesChanged" | "currentPosition">;
  deviceLists: SyncDeps["deviceLists"] & Pick<DeviceLists, "deviceListPosition">;
  pushNotifications: Pick<Notifications, "unreadCounts" | "unreadCountsByRoom" | "resetCounts">;
  pushGateway: Pick<GatewaySender, "pushCounts">;
  /** The rooms engine's thread of an event, for threaded receipts. */
  threadOf: (eventId: string) => string | undefined;
  /** The e2ee services' after-commit listener lists. */
  listeners: { toDevice: ToDeviceListener[]; deviceLists: DeviceListListener[] };
}

export function createSyncServices(deps: SyncServiceDeps) {
  const { stores, clock, rooms } = deps;
  // Nothing is being written while the server starts: the database's positions are the heads.
  const heads = createStreamHeads({
    events: stores.events.selectMaxStream(),
    receipts: stores.receipts.selectMaxPosition(),
    accountData: deps.accountData.currentPosition(),
    pushRules: deps.pushRules.currentPosition(),
    deviceLists: deps.deviceLists.deviceListPosition(),
    typing: 0,
    presence: 0,
  });
  const notifier = createNotifier({
    joinedMembersOf: (roomId) => stores.memberships.selectMembersOfRoom(roomId, "join").map((row) => row.user_id),
    usersSharingRoomWith: rooms.usersSharingRoomWith,
  });
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
  const typing = createTyping({
    clock, isJoined: rooms.isJoinedMember,
    onChange: (roomId) => {
      notifier.wakeRoom(roomId);
      ephemeral({ type: EventType.Typing, room_id: roomId, content: { user_ids: typing.typingIn(roomId) } });
    },
  });
  const presence = createPresence({
    config: deps.config, clock,
    onChange: (userId) => {
      notifier.wakeUsersSharingRoomWith(userId);
      ephemeral({ type: EventType.Presence, sender: userId, content: { ...presence.presenceOf(userId) } });
    },
    sharesRoom: (userId, other) => stores.memberships.selectSharesRoom(userId, other),
  });
  const receipts = createReceipts({
    stores, visibility: deps.visibility, notifications: deps.pushNotifications,
    gateway: deps.pushGateway, accountData: deps.accountData, threadOf: deps.threadOf, clock, logger: deps.logger,
    onReceipt: (receipt) => {
      heads.advance("receipts", receipt.stream_pos);
      if (receipt.receipt_type === ReceiptType.ReadPrivate) notifier.wakeUsers([receipt.user_id]);
      else notifier.wakeRoom(receipt.room_id);
      const data = receipt.thread_id === "" ? { ts: receipt.ts } : { ts: receipt.ts, thread_id: receipt.thread_id };
      ephemeral({ type: EventType.Receipt, room_id: receipt.room_id, content: { [receipt.event_id]: { [receipt.receipt_type]: { [receipt.user_id]: data } } } });
    },
  });
  const sync = createSync({ ...deps, typing, presence, notifier, heads });

  // Each signal first moves its stream's head, then wakes whom it concerns.
  deps.appended.onEventAppended((event) => {
    heads.eventAppended(event);
    notifier.eventAppended(event);
    if (serverNameOf(event.sender) === deps.config.server_name) presence.userActive(event.sender);
  });
  deps.listeners.toDevice.push((userId, deviceId) => {
    sync.toDeviceDelivered(userId, deviceId);
    notifier.wakeDevice(userId, deviceId);
  });
  deps.listeners.deviceLists.push((userId) => {
    heads.advance("deviceLists", deps.deviceLists.deviceListPosition());
    notifier.wakeUsersSharingRoomWith(userId);
  });
  deps.accountData.onAccountDataChanged((userId, position) => {
    heads.advance("accountData", position);
    notifier.wakeUsers([userId]);
  });
  deps.pushRules.onPushRulesChanged((userId, position) => {
    heads.advance("pushRules", position);
    notifier.wakeUsers([userId]);
  });

  return {
    sync,
    typing,
    presence,
    receipts,
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
