/**
 * Every /sync stream, one per part of the token, in the order they build a response: the
 * room stream first (the rooms left get their account data in the entries it makes), account
 * data before push rules (they share the account_data section's limit). The persistent
 * streams' heads start at the database's positions (nothing is being written while the
 * server starts); the notifier's signals move them from then on.
 */
import type { Stores } from "../../../storage/index.ts";
import type { DeviceKeys } from "../../e2ee/device-keys.ts";
import type { DeviceLists } from "../../e2ee/device-lists.ts";
import type { ToDevice } from "../../e2ee/to-device.ts";
import type { Presence } from "../../ephemeral/presence.ts";
import type { Typing } from "../../ephemeral/typing.ts";
import type { PushRules } from "../../push/push-rules.ts";
import type { ClientEvents } from "../../timeline/client-event.ts";
import type { Visibility } from "../../timeline/visibility.ts";
import type { AccountData } from "../../users/account-data.ts";
import { createEventFormat } from "../event-format.ts";
import { createRoomEventLog } from "../room-event-log.ts";
import { createHead, type Stream } from "../stream.ts";
import type { StreamName } from "../sync-token.ts";
import { createAccountDataStream } from "./account-data.ts";
import { createDeviceListStream } from "./device-lists.ts";
import { createPresenceStream } from "./presence.ts";
import { createPushRulesStream } from "./push-rules.ts";
import { createReceiptStream } from "./receipts.ts";
import { createRoomStream } from "./rooms.ts";
import { createSharedRooms } from "./shared-rooms.ts";
import { createToDeviceStream } from "./to-device.ts";
import { createTypingStream } from "./typing.ts";

export interface SyncStreamDeps {
  stores: Pick<Stores, "events" | "roomState" | "memberships" | "receipts">;
  visibility: Pick<Visibility, "forUser">;
  clientEvents: Pick<ClientEvents, "serializeAll">;
  accountData: Pick<AccountData, "changedSince" | "currentPosition">;
  pushRules: Pick<PushRules, "changedSince" | "pushRulesAccountData" | "currentPosition">;
  toDevice: Pick<ToDevice, "messagesFor" | "acknowledge" | "inboxPosition">;
  deviceKeys: Pick<DeviceKeys, "oneTimeKeyCounts" | "unusedFallbackKeyTypes">;
  deviceLists: Pick<DeviceLists, "deviceListChangesSince" | "deviceListPosition">;
  typing: Pick<Typing, "typingSince" | "typingIn" | "position">;
  presence: Pick<Presence, "changedSince" | "presenceOf" | "position">;
}

/**
 * The heads the notifier's signals move, built before the notifier: the room-event log, the
 * heads of the streams whose positions come with their signal, and the to-device stream
 * (its head is per device: which inboxes are known empty). Typing and presence keep theirs
 * in their own services.
 */
export function createStreamHeads(
  deps: Pick<SyncStreamDeps, "stores" | "accountData" | "pushRules" | "deviceLists" | "toDevice">,
) {
  return {
    events: createRoomEventLog(deps.stores.events.selectMaxStream()),
    receipts: createHead(deps.stores.receipts.selectMaxPosition()),
    accountData: createHead(deps.accountData.currentPosition()),
    pushRules: createHead(deps.pushRules.currentPosition()),
    deviceLists: createHead(deps.deviceLists.deviceListPosition()),
    toDevice: createToDeviceStream(deps.toDevice),
  };
}

export type StreamHeads = ReturnType<typeof createStreamHeads>;

/** The streams by the token part they own, in build order. */
export type SyncStreams = Record<StreamName, Stream>;

export function createSyncStreams(deps: SyncStreamDeps, heads: StreamHeads): SyncStreams {
  const { stores } = deps;
  const sharedRooms = createSharedRooms(stores);
  return {
    events: createRoomStream({
      stores,
      visibility: deps.visibility,
      format: createEventFormat(deps.clientEvents),
      log: heads.events,
    }),
    accountData: createAccountDataStream(deps.accountData, heads.accountData),
    pushRules: createPushRulesStream(deps.pushRules, heads.pushRules),
    receipts: createReceiptStream(stores, heads.receipts),
    typing: createTypingStream(deps.typing),
    presence: createPresenceStream(deps.presence, sharedRooms),
    toDevice: heads.toDevice,
    deviceLists: createDeviceListStream(
      { stores, deviceKeys: deps.deviceKeys, deviceLists: deps.deviceLists, sharedRooms },
      heads.deviceLists,
    ),
  };
}
