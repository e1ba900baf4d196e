/**
 * Feeds: what fills the appservice outbox.
 *
 * Room events are queued inside the transaction that stores them (an append hook,
 * core/append-pipeline.ts): the outbox rows commit or roll back with the event, so a crash
 * can neither lose an event for an appservice nor queue one that was never stored; the
 * appservices are woken by the after-commit hook.
 *
 * Device-list changes are a stream with a position: the feed remembers in SQLite how far
 * it has read (appservice_feed_positions) and, in one transaction, queues what the next
 * stretch holds and moves its position. It runs after each change and at start.
 *
 * To-device messages for the users an appservice holds exclusively are moved from the
 * devices' inboxes into the outbox in one transaction, as they arrive and at start. Ephemeral data (typing, receipts,
 * presence) is queued as it happens and not recovered after a crash: it is ephemeral.
 */
import { EventType } from "../../matrix/event-types.ts";
import type { Stores } from "../../storage/index.ts";
import type { DeviceLists } from "../e2ee/device-lists.ts";
import type { EphemeralEvent } from "../ephemeral/ephemeral-event.ts";
import type { ToDevice } from "../e2ee/to-device.ts";
import type { AfterCommitHook, AppendedEvent, WithinTransactionHook } from "../rooms/appended-event.ts";
import type { RoomInterest } from "./interest.ts";
import type { Appservice } from "./namespaces.ts";
import type { OutboundQueue } from "./outbound-queue.ts";
import type { AppserviceRegistry } from "./registry.ts";

const DEVICE_LISTS = "device_lists";
const BATCH = 500;

const hasUrl = (appservice: Appservice) => appservice.registration.url !== null;
const wantsEphemeral = (appservice: Appservice) =>
  hasUrl(appservice) && (appservice.registration.receive_ephemeral || appservice.registration.legacy_ephemeral);

export function createFeeds(deps: {
  stores: Pick<Stores, "appserviceQueue" | "toDevice" | "transaction">;
  registry: Pick<AppserviceRegistry, "list">;
  queue: Pick<OutboundQueue, "insert" | "wake">;
  interest: RoomInterest;
  toDevice: Pick<ToDevice, "messagesFor" | "acknowledge">;
  deviceLists: Pick<DeviceLists, "deviceListPosition" | "deviceListChangesSince">;
}) {
  const { stores, registry, queue, interest } = deps;
  const positions = stores.appserviceQueue;

  /** Runs `fill` in one transaction, then wakes the appservices it queued for. */
  function enqueue(
    fill: (
      insert: (appservice: Appservice, kind: Parameters<OutboundQueue["insert"]>[1], payload: string) => void,
    ) => void,
  ): void {
    const woken = new Set<string>();
    stores.transaction(() =>
      fill((appservice, kind, payload) => {
        queue.insert(appservice.id, kind, payload);
        woken.add(appservice.id);
      }),
    );
    for (const id of woken) queue.wake(id);
  }

  /** The feed's position; a feed seen for the first time starts at the head (no history is replayed). */
  function positionOf(feed: string, head: () => number): number {
    const position = positions.selectFeedPosition(feed);
    if (position !== undefined) return position;
    const start = head();
    positions.upsertFeedPosition(feed, start);
    return start;
  }

  /** The appservices each event was queued for, from the hook inside the transaction to the one after it. */
  const queuedFor = new WeakMap<AppendedEvent, Appservice[]>();

  /**
   * Inside the append transaction: queues the event for every appservice interested in it
   * (no transaction of our own: this one commits with the event).
   */
  const queueEvent: WithinTransactionHook = (event) => {
    const woken = interest.interestedInEvent(registry.list(), event).filter(hasUrl);
    for (const appservice of woken) queue.insert(appservice.id, "event", event.event_id);
    if (woken.length > 0) queuedFor.set(event, woken);
  };

  /** After the commit: wakes the appservices the event was queued for. */
  const wakeQueued: AfterCommitHook = (event) => {
    for (const appservice of queuedFor.get(event) ?? []) queue.wake(appservice.id);
  };

  function catchUpDeviceLists(): void {
    const after = positionOf(DEVICE_LISTS, () => deps.deviceLists.deviceListPosition());
    const head = deps.deviceLists.deviceListPosition();
    if (head <= after) return;
    const all = registry.list();
    const targets = all.filter((appservice) => hasUrl(appservice) && appservice.registration.device_extensions);
    if (targets.length === 0) return void positions.upsertFeedPosition(DEVICE_LISTS, head);
    enqueue((insert) => {
      for (const userId of deps.deviceLists.deviceListChangesSince(after)) {
        for (const appservice of targets) {
          if (appservice.isInterestedInUser(userId) || interest.sharesRoomWith(all, appservice, userId))
            insert(appservice, "device_list", JSON.stringify(userId));
        }
      }
      positions.upsertFeedPosition(DEVICE_LISTS, head);
    });
  }

  /**
   * Hands the device's waiting to-device messages to the appservice that holds its user
   * exclusively (its sender, or a user of an exclusive namespace): that appservice is the
   * device's client. Appservices merely watching a user (non-exclusive) get none, since
   * the messages must stay in the inbox for the user's own clients.
   */
  function collectToDevice(userId: string, deviceId: string): void {
    const targets = registry
      .list()
      .filter((appservice) => wantsEphemeral(appservice) && appservice.isExclusiveUser(userId));
    if (targets.length === 0) return;
    enqueue((insert) => {
      for (;;) {
        const { events, nextPosition } = deps.toDevice.messagesFor(userId, deviceId, 0, BATCH);
        if (events.length === 0) return;
        for (const event of events) {
          const payload = JSON.stringify({ ...event, to_user_id: userId, to_device_id: deviceId });
          for (const appservice of targets) insert(appservice, "to_device", payload);
        }
        deps.toDevice.acknowledge(userId, deviceId, nextPosition);
      }
    });
  }

  /** Private read receipts only go to appservices whose users they belong to (spec v1.13). */
  function receiptFor(appservice: Appservice, content: Record<string, unknown>): Record<string, unknown> | undefined {
    const filtered: Record<string, unknown> = {};
    for (const [eventId, byType] of Object.entries(content)) {
      if (typeof byType !== "object" || byType === null) continue;
      const kept = Object.fromEntries(
        Object.entries(byType as Record<string, unknown>).flatMap(([receiptType, byUser]): [string, unknown][] => {
          if (receiptType !== "m.read.private") return [[receiptType, byUser]];
          const own = Object.entries((byUser ?? {}) as Record<string, unknown>).filter(([user]) =>
            appservice.isInterestedInUser(user),
          );
          return own.length > 0 ? [[receiptType, Object.fromEntries(own)]] : [];
        }),
      );
      if (Object.keys(kept).length > 0) filtered[eventId] = kept;
    }
    return Object.keys(filtered).length > 0 ? filtered : undefined;
  }

  return {
    queueEvent,
    wakeQueued,
    catchUpDeviceLists,
    collectToDevice,

    /** At start: the messages that arrived while the server was down (or before the appservice registered). */
    collectAllToDevice(): void {
      for (const { user_id, device_id } of stores.toDevice.selectDevicesWithMessages())
        collectToDevice(user_id, device_id);
    },

    /**
     * Queues ephemeral data (MSC2409) for the appservices that asked for it: room-scoped
     * data by the same interest rules as room events, presence for users in a namespace or
     * sharing a room with one. The typing, receipt and presence code calls this after commit.
     */
    enqueueEphemeral(event: EphemeralEvent): void {
      const all = registry.list();
      const targets = all.filter(wantsEphemeral);
      if (targets.length === 0) return;
      const inRoom = event.room_id === undefined ? [] : interest.interestedInRoom(all, event.room_id);
      enqueue((insert) => {
        for (const appservice of targets) {
          let shaped: EphemeralEvent | undefined = event;
          if (event.room_id !== undefined) {
            if (!inRoom.includes(appservice)) continue;
            if (event.type === EventType.Receipt) {
              const content = receiptFor(appservice, event.content);
              shaped = content ? { ...event, content } : undefined;
            }
          } else if (
            event.sender === undefined ||
            !(appservice.isInterestedInUser(event.sender) || interest.sharesRoomWith(all, appservice, event.sender))
          ) {
            continue;
          }
          if (shaped) insert(appservice, "ephemeral", JSON.stringify(shaped));
        }
      });
    },
  };
}

export type Feeds = ReturnType<typeof createFeeds>;
