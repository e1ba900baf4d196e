/**
 * Bundled aggregations: what the server summarises of a page of events' children, before
 * client-event.ts puts it under unsigned["m.relations"]. Each event row says which aggregated
 * relation types it has children of (events.child_rel_types, set at append), so a page asks
 * only about those: no query for a page without edited, threaded or referenced events, and
 * at most one query per relation type plus one read of the edits and threads' latest events
 * they name, whatever the page's size. https://spec.matrix.org/v1.19/client-server-api/#aggregations-of-child-events
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
import { RelType } from "../../matrix/relations.ts";
import type { Stores } from "../../storage/index.ts";
import type { EventRow, TopologicalPosition } from "../../storage/events.ts";
import { CHILD_REL_TYPE_BITS, type AggregationBounds } from "../../storage/relations.ts";
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

const REPLACE = CHILD_REL_TYPE_BITS[RelType.Replace]!;
const THREAD = CHILD_REL_TYPE_BITS[RelType.Thread]!;
const REFERENCE = CHILD_REL_TYPE_BITS[RelType.Reference]!;

export function createAggregations(stores: Pick<Stores, "relations" | "events" | "accountData">) {
  /** Only events marked (events.child_rel_types) as having children of a type are asked about it. */
  const withBit = (parents: EventRow[], bit: number) => parents.filter((row) => (row.child_rel_types & bit) !== 0);

  function aggregatePage(
    parents: EventRow[],
    scope: AggregationScope,
    bounds: AggregationBounds,
  ): Map<string, Aggregation> {
    const found = new Map<string, Aggregation>();
    const entry = (id: string) => {
      let aggregation = found.get(id);
      if (!aggregation) found.set(id, (aggregation = {}));
      return aggregation;
    };
    const visible = (row: EventRow) => scope.visible?.(row) ?? true;

    // A redacted event bundles no edit (spec: redactions of edited events).
    const edited = withBit(parents, REPLACE).filter((row) => row.redacted_by === null);
    const latestEdit = new Map<string, string>();
    for (const candidate of edited.length === 0 ? [] : stores.relations.selectEditCandidates(edited, bounds)) {
      if (!latestEdit.has(candidate.relates_to_id)) latestEdit.set(candidate.relates_to_id, candidate.event_id);
    }
    const roots = withBit(parents, THREAD);
    const summaries =
      roots.length === 0
        ? []
        : stores.relations.selectThreadSummaries(
            roots.map((row) => row.event_id),
            scope.userId ?? "",
            bounds,
          );

    // The edits and the threads' latest events, in one read.
    const named = [...latestEdit.values(), ...summaries.map((summary) => summary.latest_event_id!)];
    const rows = new Map(stores.events.selectEventsByIds(named).map((row) => [row.event_id, row]));
    for (const [parentId, editId] of latestEdit) {
      const edit = rows.get(editId);
      if (edit && visible(edit)) entry(parentId).replace = edit;
    }
    const rootSenders = new Map(roots.map((row) => [row.event_id, row.sender]));
    for (const summary of summaries) {
      const latest = rows.get(summary.latest_event_id!);
      if (!latest || !visible(latest)) continue;
      entry(summary.thread_id).thread = {
        latest,
        count: summary.count,
        current_user_participated: summary.participated === 1 || rootSenders.get(summary.thread_id) === scope.userId,
      };
    }

    const referenced = withBit(parents, REFERENCE);
    if (referenced.length > 0) {
      for (const reference of stores.relations.selectReferences(
        referenced.map((row) => row.event_id),
        bounds,
      )) {
        (entry(reference.relates_to_id).references ??= []).push(reference.event_id);
      }
    }
    return found;
  }

  /** The aggregations of a page, by parent event id; events with none are absent. */
  function aggregate(rows: readonly EventRow[], scope: AggregationScope): Map<string, Aggregation> {
    const parents = rows.filter((row) => row.state_key === null && row.child_rel_types !== 0);
    if (parents.length === 0) return new Map();
    const ignored = scope.userId === undefined ? [] : ignoredUsersOf(stores, scope.userId);
    return aggregatePage(parents, scope, { until: scope.until ?? ROOM_END, ignored });
  }

  return { aggregate };
}

export type Aggregations = ReturnType<typeof createAggregations>;
