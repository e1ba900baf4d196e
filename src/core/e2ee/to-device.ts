/**
 * Send-to-device messaging: the sender's messages go into each target device's inbox in
 * one transaction; sync reads an inbox from a position and acknowledges what the client
 * has received. https://spec.matrix.org/v1.19/client-server-api/#send-to-device-messaging
 *
 * Limits (docs/encryption.md): a device keeps at most `max_messages_per_device` messages,
 * past which the oldest are dropped; unread messages expire after `message_lifetime_days`.
 * Oldest-first dropping keeps what a returning device needs most (the newest Olm
 * messages, e.g. Element Call's current media keys) and never fails a sender's fan-out
 * because one recipient's device is dead.
 */
import type { Config } from "../../config.ts";
import type { Logger } from "../../logger.ts";
import { serverNameOf } from "../../matrix/ids.ts";
import type { Stores } from "../../storage/index.ts";
import type { Clock } from "../clock.ts";
import type { Signal } from "../signal.ts";
import type { Requester } from "../requester.ts";

export interface ToDeviceEvent {
  sender: string;
  type: string;
  content: Record<string, unknown>;
}

/** `{ userId: { deviceId | "*": content } }`, as PUT /sendToDevice carries it. */
export type ToDeviceMessages = Record<string, Record<string, Record<string, unknown>>>;

const DAY_MS = 24 * 3600 * 1000;
/** Retries come within seconds or minutes; a day of transaction ids is plenty (Synapse keeps 30 minutes). */
const TRANSACTION_LIFETIME_MS = DAY_MS;
const EXPIRY_BATCH = 10_000;

export function createToDevice(
  stores: Pick<Stores, "toDevice" | "devices" | "transaction">,
  config: Pick<Config, "server_name" | "to_device">,
  clock: Clock,
  logger: Logger,
  /** Emitted after commit for every device that received a message (sync wakes it, appservices collect it). */
  delivered: Pick<Signal<{ user_id: string; device_id: string }>, "emit">,
) {
  const inbox = stores.toDevice;
  const cap = config.to_device.max_messages_per_device;

  /** The devices of a local user a message for `deviceId` (or "*") goes to. */
  function targetDevices(userId: string, deviceId: string): string[] {
    if (deviceId === "*") return stores.devices.selectDevicesByUser(userId).map((device) => device.device_id);
    return stores.devices.selectDevice(userId, deviceId) ? [deviceId] : [];
  }

  function deliver(userId: string, deviceId: string, sender: string, type: string, content: string, now: number): void {
    const position = inbox.nextStreamPos(userId, deviceId);
    inbox.insertMessage(userId, deviceId, position, sender, type, content, now);
    if (position > cap) {
      const dropped = inbox.deleteMessagesUpTo(userId, deviceId, position - cap);
      if (dropped > 0)
        logger.debug("to-device inbox full: dropped the oldest messages", {
          user_id: userId,
          device_id: deviceId,
          dropped,
        });
    }
  }

  function notify(targets: Iterable<[string, string]>): void {
    for (const [userId, deviceId] of targets) delivered.emit({ user_id: userId, device_id: deviceId });
  }

  return {
    /**
     * Stores one message per target device, all in one transaction. A repeated
     * (sender device, event type, txnId) is accepted and not delivered again. Messages
     * for remote users are dropped until federation exists; unknown devices are skipped.
     */
    send(sender: Requester, eventType: string, txnId: string, messages: ToDeviceMessages): void {
      const now = clock.now();
      const delivered = new Map<string, [string, string]>();
      stores.transaction(() => {
        if (inbox.hasTransaction(sender.user_id, sender.device_id, eventType, txnId)) return;
        inbox.insertTransaction(sender.user_id, sender.device_id, eventType, txnId, now);
        for (const [userId, byDevice] of Object.entries(messages)) {
          if (serverNameOf(userId) !== config.server_name) {
            logger.debug("to-device message for a remote user dropped: federation is not supported", {
              user_id: userId,
            });
            continue;
          }
          // A device named both directly and through "*" gets one message: the later entry wins, as in Synapse.
          const contentByDevice = new Map<string, string>();
          for (const [deviceId, content] of Object.entries(byDevice)) {
            const text = JSON.stringify(content);
            for (const target of targetDevices(userId, deviceId)) contentByDevice.set(target, text);
          }
          for (const [deviceId, content] of contentByDevice) {
            deliver(userId, deviceId, sender.user_id, eventType, content, now);
            delivered.set(`${userId}\u0000${deviceId}`, [userId, deviceId]);
          }
        }
      });
      notify(delivered.values());
    },

    /**
     * The messages of a device's inbox after `sinceExclusive`, oldest first, and the
     * position to hand back as the next `since` (unchanged when there is nothing new).
     */
    messagesFor(
      userId: string,
      deviceId: string,
      sinceExclusive: number,
      limit: number,
    ): { events: ToDeviceEvent[]; nextPosition: number } {
      const rows = inbox.selectMessages(userId, deviceId, sinceExclusive, limit);
      return {
        events: rows.map((row) => ({
          sender: row.sender,
          type: row.type,
          content: JSON.parse(row.content) as Record<string, unknown>,
        })),
        nextPosition: rows.length > 0 ? rows[rows.length - 1]!.stream_pos : sinceExclusive,
      };
    },

    /** Deletes what the client has shown (by its next `since`) that it received; returns how many. */
    acknowledge(userId: string, deviceId: string, upToInclusive: number): number {
      return inbox.deleteMessagesUpTo(userId, deviceId, upToInclusive);
    },

    /** The head of a device's inbox: a /sync token never holds a later position. */
    inboxPosition(userId: string, deviceId: string): number {
      return inbox.selectInboxPosition(userId, deviceId);
    },

    /** How many messages wait for a device. */
    pendingCount(userId: string, deviceId: string): number {
      return inbox.countMessages(userId, deviceId);
    },

    /** Empties a deleted device's inbox and forgets its transaction ids (the position counter stays). */
    deleteInbox(userId: string, deviceId: string): void {
      stores.transaction(() => {
        inbox.deleteMessagesOfDevice(userId, deviceId);
        inbox.deleteTransactionsOfDevice(userId, deviceId);
      });
    },

    /** Deletes expired messages and old transaction ids, in batches; run off the request path. */
    expire(): { messages: number; transactions: number } {
      const now = clock.now();
      const cutoff = now - config.to_device.message_lifetime_days * DAY_MS;
      let messages = 0;
      for (;;) {
        const deleted = stores.transaction(() => inbox.deleteMessagesOlderThan(cutoff, EXPIRY_BATCH));
        messages += deleted;
        if (deleted < EXPIRY_BATCH) break;
      }
      const transactions = inbox.deleteTransactionsOlderThan(now - TRANSACTION_LIFETIME_MS);
      if (messages > 0) logger.info("expired unread to-device messages", { count: messages });
      return { messages, transactions };
    },
  };
}

export type ToDevice = ReturnType<typeof createToDevice>;
