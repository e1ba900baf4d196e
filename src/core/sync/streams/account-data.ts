/**
 * Account data: the global kind at the top level, the per-room kind in the room's entry. An
 * initial sync, and a room newly joined, get all of it. Its head moves with the notifier's
 * onAccountData.
 * https://spec.matrix.org/v1.19/client-server-api/#client-config
 */
import { GLOBAL_ROOM, type AccountDataRow } from "../../../storage/account-data.ts";
import type { AccountData } from "../../users/account-data.ts";
import type { Head, Stream } from "../stream.ts";
import { limitOf, passesEventFilter, roomIncluded } from "../sync-filter.ts";
import { joinedRoomEntry, type SyncContext, type SyncEvent } from "../sync-response.ts";

const eventOf = (row: AccountDataRow): SyncEvent => ({ type: row.type, content: JSON.parse(row.content) as unknown });

export function createAccountDataStream(accountData: Pick<AccountData, "changedSince">, head: Head): Stream {
  function changedRows(ctx: SyncContext, since: number | undefined, to: number): AccountDataRow[] {
    const userId = ctx.viewer.user_id;
    const upTo = (row: AccountDataRow) => row.stream_position <= to;
    if (since === undefined) return accountData.changedSince(userId, 0).filter(upTo);
    const rows = since >= to ? [] : accountData.changedSince(userId, since).filter(upTo);
    const { newlyJoined } = ctx.rooms;
    if (newlyJoined.size === 0) return rows;
    const seen = new Set(rows.map((row) => row.stream_position));
    const fresh = accountData
      .changedSince(userId, 0)
      .filter((row) => upTo(row) && newlyJoined.has(row.room_id) && !seen.has(row.stream_position));
    return [...rows, ...fresh];
  }

  return {
    persistent: true,
    latest: head.latest,
    build(ctx, since, to) {
      const globalFilter = ctx.filter.account_data;
      const roomFilter = ctx.filter.room.account_data;
      const global: SyncEvent[] = [];
      for (const row of changedRows(ctx, since, to)) {
        if (row.room_id === GLOBAL_ROOM) {
          if (passesEventFilter(globalFilter, row.type)) global.push(eventOf(row));
          continue;
        }
        if (!passesEventFilter(roomFilter, row.type) || !roomIncluded(ctx.filter, roomFilter, row.room_id)) continue;
        const left = ctx.response.rooms.leave[row.room_id];
        if (left) left.account_data.events.push(eventOf(row));
        else if (ctx.rooms.joined.has(row.room_id))
          joinedRoomEntry(ctx, row.room_id).account_data.events.push(eventOf(row));
      }
      ctx.response.account_data.events = global.slice(0, limitOf(globalFilter, global.length));
      return to;
    },
  };
}
