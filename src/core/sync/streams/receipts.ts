/**
 * Read receipts in the joined rooms' `ephemeral`: every receipt of a room in an initial sync
 * (and for a newly joined room), else those written after the token, read as one range of
 * the receipt stream. m.read.private receipts go only to their owner. Its head moves with
 * the notifier's onReceipt.
 * https://spec.matrix.org/v1.19/client-server-api/#receipts
 */
import { EventType } from "../../../matrix/event-types.ts";
import type { Stores } from "../../../storage/index.ts";
import type { ReceiptRow } from "../../../storage/receipts.ts";
import { ReceiptType } from "../../ephemeral/receipts.ts";
import { passesEventFilter, roomIncluded } from "../sync-filter.ts";
import type { Head, Stream } from "../stream.ts";
import { joinedRoomEntry, type SyncContext } from "../sync-response.ts";

/** Beyond this many receipts since the token, they are read per joined room instead of as one range. */
const RANGE_SCAN_LIMIT = 10_000;

type ReceiptContent = Record<string, Record<string, Record<string, { ts: number; thread_id?: string }>>>;

export function createReceiptStream(stores: Pick<Stores, "receipts">, head: Head): Stream {
  function changedRows(ctx: SyncContext, rooms: Set<string>, since: number | undefined, to: number): ReceiptRow[] {
    if (since === undefined) return stores.receipts.selectReceiptsOfRooms([...rooms], to);
    const { newlyJoined } = ctx.rooms;
    const fresh = [...rooms].filter((roomId) => newlyJoined.has(roomId));
    const rows = stores.receipts.selectReceiptsOfRooms(fresh, to);
    if (to <= since) return rows;
    if (to - since <= RANGE_SCAN_LIMIT) {
      for (const row of stores.receipts.selectReceiptsBetween(since, to))
        if (rooms.has(row.room_id) && !newlyJoined.has(row.room_id)) rows.push(row);
    } else {
      for (const roomId of rooms)
        if (!newlyJoined.has(roomId)) rows.push(...stores.receipts.selectRoomReceiptsBetween(roomId, since, to));
    }
    return rows;
  }

  return {
    persistent: true,
    latest: head.latest,
    build(ctx, since, to) {
      const filter = ctx.filter.room.ephemeral;
      if (!passesEventFilter(filter, EventType.Receipt)) return to;
      if (since !== undefined && since >= to && ctx.rooms.newlyJoined.size === 0) return to;
      const rooms = new Set([...ctx.rooms.joined.keys()].filter((roomId) => roomIncluded(ctx.filter, filter, roomId)));
      const byRoom = new Map<string, ReceiptContent>();
      for (const row of changedRows(ctx, rooms, since, to)) {
        if (row.receipt_type === ReceiptType.ReadPrivate && row.user_id !== ctx.viewer.user_id) continue;
        let content = byRoom.get(row.room_id);
        if (content === undefined) byRoom.set(row.room_id, (content = {}));
        const byType = (content[row.event_id] ??= {});
        const byUser = (byType[row.receipt_type] ??= {});
        byUser[row.user_id] = row.thread_id === "" ? { ts: row.ts } : { ts: row.ts, thread_id: row.thread_id };
      }
      for (const [roomId, content] of byRoom)
        joinedRoomEntry(ctx, roomId).ephemeral.events.push({ type: EventType.Receipt, content });
      return to;
    },
  };
}
