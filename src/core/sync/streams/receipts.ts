/**
 * Read receipts in the joined rooms' `ephemeral`: every receipt of a room in an initial sync
 * (and for a newly joined room), else those written after the token, read as one range of
 * the receipt stream. m.read.private receipts go only to their owner.
 * https://spec.matrix.org/v1.19/client-server-api/#receipts
 */
import { EventType } from "../../../matrix/event-types.ts";
import type { Stores } from "../../../storage/index.ts";
import type { ReceiptRow } from "../../../storage/receipts.ts";
import { ReceiptType } from "../../ephemeral/receipts.ts";
import { passesEventFilter, roomIncluded } from "../sync-filter.ts";
import { joinedRoomEntry, type SyncContext } from "../sync-response.ts";

/** Beyond this many receipts since the token, they are read per joined room instead of as one range. */
const RANGE_SCAN_LIMIT = 10_000;

type ReceiptContent = Record<string, Record<string, Record<string, { ts: number; thread_id?: string }>>>;

export function createReceiptStream(stores: Pick<Stores, "receipts">) {
  function changedRows(ctx: SyncContext, rooms: Set<string>): ReceiptRow[] {
    const to = ctx.to.receipts;
    if (ctx.since === undefined) return stores.receipts.selectReceiptsOfRooms([...rooms], to);
    const since = ctx.since.receipts;
    const fresh = [...rooms].filter((roomId) => ctx.newlyJoined.has(roomId));
    const rows = stores.receipts.selectReceiptsOfRooms(fresh, to);
    if (to <= since) return rows;
    if (to - since <= RANGE_SCAN_LIMIT) {
      for (const row of stores.receipts.selectReceiptsBetween(since, to)) if (rooms.has(row.room_id) && !ctx.newlyJoined.has(row.room_id)) rows.push(row);
    } else {
      for (const roomId of rooms) if (!ctx.newlyJoined.has(roomId)) rows.push(...stores.receipts.selectRoomReceiptsBetween(roomId, since, to));
    }
    return rows;
  }

  return (ctx: SyncContext): void => {
    const filter = ctx.filter.room.ephemeral;
    if (!passesEventFilter(filter, EventType.Receipt)) return;
    if (ctx.since !== undefined && ctx.since.receipts >= ctx.to.receipts && ctx.newlyJoined.size === 0) return;
    const rooms = new Set([...ctx.joined.keys()].filter((roomId) => roomIncluded(ctx.filter, filter, roomId)));
    const byRoom = new Map<string, ReceiptContent>();
    for (const row of changedRows(ctx, rooms)) {
      if (row.receipt_type === ReceiptType.ReadPrivate && row.user_id !== ctx.viewer.user_id) continue;
      let content = byRoom.get(row.room_id);
      if (content === undefined) byRoom.set(row.room_id, (content = {}));
      const byType = (content[row.event_id] ??= {});
      const byUser = (byType[row.receipt_type] ??= {});
      byUser[row.user_id] = row.thread_id === "" ? { ts: row.ts } : { ts: row.ts, thread_id: row.thread_id };
    }
    for (const [roomId, content] of byRoom) joinedRoomEntry(ctx, roomId).ephemeral.events.push({ type: EventType.Receipt, content });
  };
}
