/**
 * Bundled aggregations: what the server summarises of a page of events' children, before
 * client-event.ts puts it under unsigned["m.relations"]. A page costs three queries per room
 * in it (edits, threads, references) plus one to load the threads' latest events, whatever
 * its size. https://spec.matrix.org/v1.19/client-server-api/#aggregations-of-child-events
 *
 * - m.replace: the most recent valid edit (storage/relations.ts has the validity rules);
 *   none for a redacted event. The original's content is left as it is (spec v1.7+).
 * - m.thread: the latest thread event, the number of thread events and whether the reader
 *   took part (sent the root or a thread event).
 * - m.reference: the ids of the referencing events.
 * - m.annotation is not aggregated (spec v1.7+), nor are state events.
 * Children from users the reader ignores are left out (the spec asks servers to), and so are
 * children after `until`, the reader's last readable position in the room.
 */
import type { Stores } from "../../storage/index.ts";
import type { EventRow, TopologicalPosition } from "../../storage/events.ts";
import type { AggregationBounds } from "../../storage/relations.ts";
import { ignoredUsersOf } from "../users/ignored-users.ts";
import { ROOM_END } from "./tokens.ts";

export interface ThreadAggregation {
  latest: EventRow;
  count: number;
  current_user_participated: boolean;
}

export interface Aggregation {
  replace?: EventRow;
  thread?: ThreadAggregation;
  references?: string[];
}

/** Who reads the page, and what of the room they may see. */
export interface AggregationScope {
  userId: string | undefined;
  /** The reader's last readable position (users who left read up to their leave). */
  until?: TopologicalPosition | undefined;
  /** History visibility of the child events the aggregations name. */
  visible?: ((row: EventRow) => boolean) | undefined;
}

export function createAggregations(stores: Pick<Stores, "relations" | "events" | "accountData">) {
  function aggregateRoom(roomId: string, parents: EventRow[], scope: AggregationScope, bounds: AggregationBounds, into: Map<string, Aggregation>) {
    const ids = parents.map((row) => row.event_id);
    const entry = (id: string) => {
      let aggregation = into.get(id);
      if (!aggregation) into.set(id, (aggregation = {}));
      return aggregation;
    };
    const visible = (row: EventRow) => scope.visible?.(row) ?? true;

    for (const edit of stores.relations.selectLatestEdits(roomId, ids, bounds)) {
      if (visible(edit)) entry(edit.relates_to_id).replace = edit;
    }

    const summaries = stores.relations.selectThreadSummaries(roomId, ids, scope.userId ?? "", bounds);
    if (summaries.length > 0) {
      const latest = new Map(stores.events.selectEventsByIds(summaries.map((s) => s.latest_event_id!)).map((row) => [row.event_id, row]));
      const senders = new Map(parents.map((row) => [row.event_id, row.sender]));
      for (const summary of summaries) {
        const row = latest.get(summary.latest_event_id!);
        if (!row || !visible(row)) continue;
        entry(summary.thread_id).thread = {
          latest: row,
          count: summary.count,
          current_user_participated: summary.participated === 1 || senders.get(summary.thread_id) === scope.userId,
        };
      }
    }

    for (const reference of stores.relations.selectReferences(roomId, ids, bounds)) {
      (entry(reference.relates_to_id).references ??= []).push(reference.event_id);
    }
  }

  /** The aggregations of a page, by parent event id; events with none are absent. */
  function aggregate(rows: readonly EventRow[], scope: AggregationScope): Map<string, Aggregation> {
    const result = new Map<string, Aggregation>();
    const byRoom = new Map<string, EventRow[]>();
    for (const row of rows) {
      if (row.state_key !== null) continue;
      const group = byRoom.get(row.room_id);
      if (group) group.push(row);
      else byRoom.set(row.room_id, [row]);
    }
    if (byRoom.size === 0) return result;
    const bounds: AggregationBounds = { until: scope.until ?? ROOM_END, ignoredJson: JSON.stringify(scope.userId === undefined ? [] : ignoredUsersOf(stores, scope.userId)) };
    for (const [roomId, parents] of byRoom) aggregateRoom(roomId, parents, scope, bounds, result);
    return result;
  }

  return { aggregate };
}

export type Aggregations = ReturnType<typeof createAggregations>;
