/**
 * Read receipts and read markers. A receipt is stored with a stream position (/sync sends
 * the ones after the client's token); m.read and m.read.private also mark the user's
 * notifications read up to the event, and the user's pushers hear the new unread count.
 * m.read.private goes to nobody but its owner. m.fully_read is room account data.
 * https://spec.matrix.org/v1.19/client-server-api/#receipts
 * https://spec.matrix.org/v1.19/client-server-api/#fully-read-markers
 */
import { forbidden, invalidParam, notFound } from "../../errors.ts";
import type { Logger } from "../../logger.ts";
import type { EventRow } from "../../storage/events.ts";
import type { Stores } from "../../storage/index.ts";
import type { ReceiptRow } from "../../storage/receipts.ts";
import type { Clock } from "../clock.ts";
import type { GatewaySender } from "../push/gateway-sender.ts";
import { MAIN_THREAD, type Notifications } from "../push/notifications.ts";
import type { AccountData } from "../users/account-data.ts";
import type { Requester } from "../requester.ts";
import type { Visibility } from "../timeline/visibility.ts";

export const ReceiptType = {
  Read: "m.read",
  ReadPrivate: "m.read.private",
  FullyRead: "m.fully_read",
} as const;

export interface ReceiptDeps {
  stores: Pick<Stores, "receipts" | "events" | "memberships" | "transaction">;
  visibility: Pick<Visibility, "forUser">;
  notifications: Pick<Notifications, "resetCounts">;
  gateway: Pick<GatewaySender, "pushCounts">;
  accountData: Pick<AccountData, "setFullyRead">;
  /** The thread an event is in (its root), undefined for the main timeline: the rooms engine decided it at append. */
  threadOf: (eventId: string) => string | undefined;
  clock: Clock;
  logger: Logger;
  /** After a receipt is stored: public ones concern the room, private (m.read.private) ones only their owner. */
  onReceipt: (receipt: ReceiptRow) => void;
}

export function createReceipts(deps: ReceiptDeps) {
  const { stores } = deps;

  /** The event, if it is in the room and the joined user may see it. */
  function requireEvent(userId: string, roomId: string, eventId: string): EventRow {
    if (stores.memberships.selectMembership(roomId, userId)?.membership !== "join")
      throw forbidden(`You are not joined to ${roomId}`);
    const row = stores.events.selectEvent(eventId);
    if (!row || row.room_id !== roomId || !deps.visibility.forUser(userId, roomId).visible(row))
      throw notFound("Event not found");
    return row;
  }

  /** A threaded receipt must name the thread its event is in (a thread root counts as the main timeline and as its own thread). */
  function checkThread(row: EventRow, threadId: string): void {
    if (threadId === "") return;
    const thread = deps.threadOf(row.event_id) ?? MAIN_THREAD;
    if (thread === threadId || (threadId !== MAIN_THREAD && row.event_id === threadId)) return;
    throw invalidParam(`Event ${row.event_id} is not in thread ${threadId}`);
  }

  function storeReceipt(
    requester: Requester,
    roomId: string,
    receiptType: string,
    row: EventRow,
    threadId: string,
  ): void {
    const userId = requester.user_id;
    const stored = stores.transaction((): ReceiptRow | undefined => {
      const existing = stores.receipts.selectReceipt(roomId, receiptType, userId, threadId);
      // Receipts are "read up to" marks: an older event than the current one changes nothing (as in Synapse).
      if (existing && existing.event_stream >= row.stream_ordering) return undefined;
      const receipt = {
        room_id: roomId,
        receipt_type: receiptType,
        user_id: userId,
        thread_id: threadId,
        event_id: row.event_id,
        event_stream: row.stream_ordering,
        ts: deps.clock.now(),
      };
      const position = stores.receipts.upsertReceipt(receipt);
      deps.notifications.resetCounts(userId, roomId, threadId === "" ? undefined : threadId, row.stream_ordering);
      return { ...receipt, stream_pos: position };
    });
    if (stored === undefined) return;
    deps.onReceipt(stored);
    deps.gateway
      .pushCounts(userId)
      .catch((error: unknown) =>
        deps.logger.warn("pushing unread counts failed", { user_id: userId, error: String(error) }),
      );
  }

  const receipts = {
    /** POST /rooms/{roomId}/receipt/{receiptType}/{eventId}. */
    sendReceipt(requester: Requester, roomId: string, receiptType: string, eventId: string, threadId?: string): void {
      if (receiptType === ReceiptType.FullyRead) {
        if (threadId !== undefined) throw invalidParam("thread_id cannot be given for m.fully_read");
        receipts.setReadMarkers(requester, roomId, { fullyRead: eventId });
        return;
      }
      if (receiptType !== ReceiptType.Read && receiptType !== ReceiptType.ReadPrivate)
        throw invalidParam(`Unknown receipt type ${receiptType}`);
      if (threadId === "") throw invalidParam("thread_id must be a non-empty string");
      const row = requireEvent(requester.user_id, roomId, eventId);
      checkThread(row, threadId ?? "");
      storeReceipt(requester, roomId, receiptType, row, threadId ?? "");
    },

    /** POST /rooms/{roomId}/read_markers: the fully-read marker and, optionally, unthreaded receipts. */
    setReadMarkers(
      requester: Requester,
      roomId: string,
      markers: { fullyRead?: string; read?: string; readPrivate?: string },
    ): void {
      const userId = requester.user_id;
      const rows = {
        fullyRead: markers.fullyRead === undefined ? undefined : requireEvent(userId, roomId, markers.fullyRead),
        read: markers.read === undefined ? undefined : requireEvent(userId, roomId, markers.read),
        readPrivate: markers.readPrivate === undefined ? undefined : requireEvent(userId, roomId, markers.readPrivate),
      };
      if (rows.fullyRead) deps.accountData.setFullyRead(userId, roomId, rows.fullyRead.event_id);
      if (rows.read) storeReceipt(requester, roomId, ReceiptType.Read, rows.read, "");
      if (rows.readPrivate) storeReceipt(requester, roomId, ReceiptType.ReadPrivate, rows.readPrivate, "");
    },

    position: () => stores.receipts.selectMaxPosition(),
  };
  return receipts;
}

export type Receipts = ReturnType<typeof createReceipts>;
