/**
 * Account data: the global kind at the top level (with the user's push rules as
 * m.push_rules, whenever they changed after the token), the per-room kind in the room's
 * entry. An initial sync, and a room newly joined, get all of it.
 * https://spec.matrix.org/v1.19/client-server-api/#client-config
 */
import { EventType } from "../../../matrix/event-types.ts";
import { GLOBAL_ROOM, type AccountDataRow } from "../../../storage/account-data.ts";
import type { PushRules } from "../../push/push-rules.ts";
import type { AccountData } from "../../users/account-data.ts";
import { limitOf, passesEventFilter, roomIncluded } from "../sync-filter.ts";
import { joinedRoomEntry, type SyncContext, type SyncEvent } from "../sync-response.ts";

export interface AccountDataStreamDeps {
  accountData: Pick<AccountData, "changedSince">;
  pushRules: Pick<PushRules, "changedSince" | "pushRulesAccountData">;
}

const eventOf = (row: AccountDataRow): SyncEvent => ({ type: row.type, content: JSON.parse(row.content) as unknown });

export function createAccountDataStream({ accountData, pushRules }: AccountDataStreamDeps) {
  function changedRows(ctx: SyncContext): AccountDataRow[] {
    const userId = ctx.viewer.user_id;
    const upTo = (row: AccountDataRow) => row.stream_position <= ctx.to.accountData;
    if (ctx.since === undefined) return accountData.changedSince(userId, 0).filter(upTo);
    const nothingNew = ctx.since.accountData >= ctx.to.accountData;
    const rows = nothingNew ? [] : accountData.changedSince(userId, ctx.since.accountData).filter(upTo);
    if (ctx.newlyJoined.size === 0) return rows;
    const seen = new Set(rows.map((row) => row.stream_position));
    const fresh = accountData.changedSince(userId, 0).filter((row) => upTo(row) && ctx.newlyJoined.has(row.room_id) && !seen.has(row.stream_position));
    return [...rows, ...fresh];
  }

  return (ctx: SyncContext): void => {
    const globalFilter = ctx.filter.account_data;
    const roomFilter = ctx.filter.room.account_data;
    const global: SyncEvent[] = [];
    for (const row of changedRows(ctx)) {
      if (row.room_id === GLOBAL_ROOM) {
        if (passesEventFilter(globalFilter, row.type)) global.push(eventOf(row));
        continue;
      }
      if (!passesEventFilter(roomFilter, row.type) || !roomIncluded(ctx.filter, roomFilter, row.room_id)) continue;
      const left = ctx.response.rooms.leave[row.room_id];
      if (left) left.account_data.events.push(eventOf(row));
      else if (ctx.joined.has(row.room_id)) joinedRoomEntry(ctx, row.room_id).account_data.events.push(eventOf(row));
    }
    const userId = ctx.viewer.user_id;
    const rulesChanged = ctx.since === undefined || (ctx.since.pushRules < ctx.to.pushRules && pushRules.changedSince(userId, ctx.since.pushRules));
    if (rulesChanged && passesEventFilter(globalFilter, EventType.PushRules)) {
      const rules = pushRules.pushRulesAccountData(userId);
      global.push({ type: rules.type, content: rules.content });
    }
    ctx.response.account_data.events = global.slice(0, limitOf(globalFilter, global.length));
  };
}
