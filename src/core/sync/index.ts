/**
 * Sync and the ephemeral data it carries, wired together: the notifier has one method per
 * after-commit signal (core/signals.ts: room events, to-device messages, device lists,
 * account data, push rules; typing, receipts and presence from their services here), which
 * moves its stream's head and wakes the long-polls it concerns. Typing, receipts and
 * presence are signalled on (`ephemeral`) for application services.
 */
import type { Config } from "../../config.ts";
import type { Logger } from "../../logger.ts";
import { serverNameOf } from "../../matrix/ids.ts";
import type { Stores } from "../../storage/index.ts";
import type { Clock } from "../clock.ts";
import { createPresence } from "../ephemeral/presence.ts";
import { createReceipts, type ReceiptDeps } from "../ephemeral/receipts.ts";
import { createTyping } from "../ephemeral/typing.ts";
import type { GatewaySender } from "../push/gateway-sender.ts";
import type { Notifications } from "../push/notifications.ts";
import type { Signals } from "../signals.ts";
import type { Timeline } from "../timeline/index.ts";
import type { AccountData } from "../users/account-data.ts";
import { EventType } from "../../matrix/event-types.ts";
import type { EphemeralEvent } from "../ephemeral/ephemeral-event.ts";
import { createNotifier } from "./notifier.ts";
import { createMembershipDeviceListChanges } from "./streams/device-lists.ts";
import { createStreamHeads, createSyncStreams, type SyncStreamDeps } from "./streams/index.ts";
import { createSharedRooms } from "./streams/shared-rooms.ts";
import { createSync, type SyncDeps } from "./sync.ts";

export interface SyncServiceDeps {
  config: Pick<
    Config,
    "server_name" | "allow_local_presence" | "presence_idle_timeout_s" | "presence_offline_timeout_s"
  >;
  stores: SyncStreamDeps["stores"] & Pick<Stores, "transaction" | "committed">;
  clock: Clock;
  logger: Logger;
  /** The after-commit signals the notifier hears, and the one it emits for typing, receipts and presence. */
  signals: Pick<
    Signals,
    | "eventAppended"
    | "toDeviceDelivered"
    | "deviceListChanged"
    | "accountDataChanged"
    | "pushRulesChanged"
    | "ephemeral"
  >;
  rooms: Pick<Timeline, "usersSharingRoomWith" | "isJoinedMember">;
  visibility: SyncStreamDeps["visibility"] & ReceiptDeps["visibility"];
  clientEvents: SyncStreamDeps["clientEvents"];
  accountData: SyncStreamDeps["accountData"] & Pick<AccountData, "setFullyRead">;
  pushRules: SyncStreamDeps["pushRules"];
  toDevice: SyncStreamDeps["toDevice"];
  deviceKeys: SyncStreamDeps["deviceKeys"];
  deviceLists: SyncStreamDeps["deviceLists"];
  filters: SyncDeps["filters"];
  pushNotifications: Pick<Notifications, "unreadCounts" | "unreadCountsByRoom" | "resetCounts">;
  pushGateway: Pick<GatewaySender, "pushCounts">;
  /** The rooms engine's thread of an event, for threaded receipts. */
  threadOf: (eventId: string) => string | undefined;
}

/** Storage's "what is committed?" as sync asks it: resolves once the writes made so far are committed. */
function untilCommitted(stores: Pick<Stores, "committed">): () => Promise<void> {
  return () => stores.committed();
}

export function createSyncServices(deps: SyncServiceDeps) {
  const { stores, clock, rooms } = deps;
  /** Typing, receipts and presence as they happen, for whoever else wants them (application services, MSC2409). */
  const ephemeral = (event: EphemeralEvent) => deps.signals.ephemeral.emit(event);
  const heads = createStreamHeads(deps);
  const notifier = createNotifier({
    joinedMembersOf: (roomId) => stores.memberships.selectMembersOfRoom(roomId, "join").map((row) => row.user_id),
    usersSharingRoomWith: rooms.usersSharingRoomWith,
    heads,
  });
  const typing = createTyping({
    clock,
    isJoined: rooms.isJoinedMember,
    onChange: (roomId) => {
      notifier.onTyping(roomId);
      ephemeral({ type: EventType.Typing, room_id: roomId, content: { user_ids: typing.typingIn(roomId) } });
    },
  });
  const presence = createPresence({
    config: deps.config,
    clock,
    onChange: (userId) => {
      notifier.onPresence(userId);
      ephemeral({ type: EventType.Presence, sender: userId, content: { ...presence.presenceOf(userId) } });
    },
    sharesRoom: (userId, other) => stores.memberships.selectSharesRoom(userId, other),
  });
  const streams = createSyncStreams({ ...deps, typing, presence }, heads);
  const receipts = createReceipts({
    stores,
    visibility: deps.visibility,
    notifications: deps.pushNotifications,
    gateway: deps.pushGateway,
    accountData: deps.accountData,
    threadOf: deps.threadOf,
    clock,
    logger: deps.logger,
    onReceipt: (receipt) => {
      notifier.onReceipt(receipt);
      const data = receipt.thread_id === "" ? { ts: receipt.ts } : { ts: receipt.ts, thread_id: receipt.thread_id };
      ephemeral({
        type: EventType.Receipt,
        room_id: receipt.room_id,
        content: { [receipt.event_id]: { [receipt.receipt_type]: { [receipt.user_id]: data } } },
      });
    },
  });
  const sync = createSync({
    stores,
    streams,
    log: heads.events,
    toDevice: heads.toDevice,
    untilCommitted: untilCommitted(stores),
    notifier,
    pushNotifications: deps.pushNotifications,
    presence,
    filters: deps.filters,
    logger: deps.logger,
  });

  // Each after-commit signal is one notifier method: it moves its stream's head and wakes whom it concerns.
  deps.signals.eventAppended.subscribe((event) => {
    notifier.onRoomEvent(event);
    if (serverNameOf(event.sender) === deps.config.server_name) presence.userActive(event.sender);
  });
  deps.signals.toDeviceDelivered.subscribe(({ user_id, device_id }) => notifier.onToDevice(user_id, device_id));
  deps.signals.deviceListChanged.subscribe((userId) =>
    notifier.onDeviceListChange(userId, deps.deviceLists.deviceListPosition()),
  );
  deps.signals.accountDataChanged.subscribe(({ user_id, position }) => notifier.onAccountData(user_id, position));
  deps.signals.pushRulesChanged.subscribe(({ user_id, position }) => notifier.onPushRules(user_id, position));

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
  };
}

export type SyncServices = ReturnType<typeof createSyncServices>;
