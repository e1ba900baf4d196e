/**
 * Sync and the ephemeral data it carries, wired together: the notifier subscribes to every
 * after-commit signal (core/signals.ts: room events, to-device messages, device lists,
 * account data, push rules) and hears typing, receipts and presence from their services,
 * and wakes the long-polls they concern. Typing, receipts and presence are signalled on
 * (`ephemeral`) for application services.
 */
import type { Config } from "../../config.ts";
import type { Logger } from "../../logger.ts";
import { serverNameOf } from "../../matrix/ids.ts";
import type { Stores } from "../../storage/index.ts";
import type { Clock } from "../clock.ts";
import type { DeviceLists } from "../e2ee/device-lists.ts";
import { createPresence } from "../ephemeral/presence.ts";
import { createReceipts } from "../ephemeral/receipts.ts";
import { createTyping } from "../ephemeral/typing.ts";
import type { GatewaySender } from "../push/gateway-sender.ts";
import type { Notifications } from "../push/notifications.ts";
import type { PushRules } from "../push/push-rules.ts";
import type { Signals } from "../signals.ts";
import type { Timeline } from "../timeline/index.ts";
import type { AccountData } from "../users/account-data.ts";
import { EventType } from "../../matrix/event-types.ts";
import type { EphemeralEvent } from "../ephemeral/ephemeral-event.ts";
import { ReceiptType } from "../ephemeral/receipts.ts";
import { createNotifier } from "./notifier.ts";
import { createMembershipDeviceListChanges } from "./streams/device-lists.ts";
import { createSharedRooms } from "./streams/shared-rooms.ts";
import { createStreamHeads } from "./stream-heads.ts";
import { createSync, type SyncDeps } from "./sync.ts";

export interface SyncServiceDeps extends Omit<SyncDeps, "stores" | "typing" | "presence" | "notifier" | "heads" | "accountData" | "pushRules" | "pushNotifications" | "deviceLists"> {
  config: Pick<Config, "server_name" | "allow_local_presence" | "presence_idle_timeout_s" | "presence_offline_timeout_s">;
  stores: SyncDeps["stores"] & Pick<Stores, "transaction">;
  clock: Clock;
  logger: Logger;
  /** The after-commit signals the notifier hears, and the one it emits for typing, receipts and presence. */
  signals: Pick<Signals, "eventAppended" | "toDeviceDelivered" | "deviceListChanged" | "accountDataChanged" | "pushRulesChanged" | "ephemeral">;
  rooms: Pick<Timeline, "usersSharingRoomWith" | "isJoinedMember">;
  accountData: SyncDeps["accountData"] & Pick<AccountData, "setFullyRead" | "currentPosition">;
  pushRules: SyncDeps["pushRules"] & Pick<PushRules, "currentPosition">;
  deviceLists: SyncDeps["deviceLists"] & Pick<DeviceLists, "deviceListPosition">;
  pushNotifications: Pick<Notifications, "unreadCounts" | "unreadCountsByRoom" | "resetCounts">;
  pushGateway: Pick<GatewaySender, "pushCounts">;
  /** The rooms engine's thread of an event, for threaded receipts. */
  threadOf: (eventId: string) => string | undefined;
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
  const ephemeral = (event: EphemeralEvent) => deps.signals.ephemeral.emit(event);
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
  deps.signals.eventAppended.subscribe((event) => {
    heads.eventAppended(event);
    notifier.eventAppended(event);
    if (serverNameOf(event.sender) === deps.config.server_name) presence.userActive(event.sender);
  });
  deps.signals.toDeviceDelivered.subscribe(({ user_id: userId, device_id: deviceId }) => {
    sync.toDeviceDelivered(userId, deviceId);
    notifier.wakeDevice(userId, deviceId);
  });
  deps.signals.deviceListChanged.subscribe((userId) => {
    heads.advance("deviceLists", deps.deviceLists.deviceListPosition());
    notifier.wakeUsersSharingRoomWith(userId);
  });
  deps.signals.accountDataChanged.subscribe(({ user_id: userId, position }) => {
    heads.advance("accountData", position);
    notifier.wakeUsers([userId]);
  });
  deps.signals.pushRulesChanged.subscribe(({ user_id: userId, position }) => {
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
  };
}

export type SyncServices = ReturnType<typeof createSyncServices>;
