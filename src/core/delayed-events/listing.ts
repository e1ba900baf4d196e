/**
 * Looking up a user's delayed events, in the shapes clients of each generation read:
 * - the unstable list answers Synapse's `delayed_events` (the scheduled ones; complement
 *   counts them) and the legacy MSC's `scheduled` / `finalised` (matrix-js-sdk's
 *   DelayedEventInfo) at once, with its `status` and repeatable `delay_id` filters. Items
 *   carry both generations' field names: `delay`/`running_since` and `delay_ms`/`scheduled_at`;
 * - /v1 answers MSC4140 as merged: `delayed_events`, scheduled only, with `delay_ms` and
 *   `scheduled_at`, and GET /delayed_events/{delay_id} for one event, finalised or not.
 * https://github.com/matrix-org/matrix-spec-proposals/pull/4140
 */
import { MatrixError } from "../../errors.ts";
import type { JsonValue } from "../../matrix/canonical-json.ts";
import type { DelayedEventRow } from "../../storage/delayed-events.ts";
import { delayedEventNotFound, type DelayedEventsDeps } from "./delayed-event-deps.ts";

/** Finalised events are kept this long, and at most this many per user (MSC4140's recommendation). */
export const FINALISED_RETENTION_MS = 7 * 24 * 3_600_000;
export const FINALISED_PER_USER = 1000;

export type DelayedEventItem = Record<string, JsonValue>;
export type ListingApi = "unstable" | "v1";

export interface UnstableListing {
  delayed_events?: DelayedEventItem[];
  scheduled?: DelayedEventItem[];
  finalised?: DelayedEventItem[];
}

function describe(row: DelayedEventRow, api: ListingApi): DelayedEventItem {
  const scheduledAt = row.send_ts - row.delay_ms;
  return {
    delay_id: row.delay_id,
    room_id: row.room_id,
    type: row.type,
    ...(row.state_key !== null ? { state_key: row.state_key } : {}),
    ...(api === "unstable" ? { delay: row.delay_ms, running_since: scheduledAt } : {}),
    delay_ms: row.delay_ms,
    scheduled_at: scheduledAt,
    content: JSON.parse(row.content) as JsonValue,
  };
}

/** The legacy MSC's finalised entry: the event as it was scheduled, and what became of it. */
function describeFinalised(row: DelayedEventRow): DelayedEventItem {
  return {
    delayed_event: describe(row, "unstable"),
    outcome: row.outcome ?? "cancel",
    reason: row.reason ?? "action",
    ...(row.error !== null ? { error: JSON.parse(row.error) as JsonValue } : {}),
    ...(row.event_id !== null ? { event_id: row.event_id } : {}),
    origin_server_ts: row.finalised_ts ?? 0,
  };
}

export function createListing({ stores }: Pick<DelayedEventsDeps, "stores">) {
  const store = stores.delayedEvents;

  return {
    /** GET /unstable/org.matrix.msc4140/delayed_events. */
    listUnstable(userId: string, status: string | undefined, delayIds: readonly string[]): UnstableListing {
      if (status !== undefined && status !== "scheduled" && status !== "finalised") {
        throw new MatrixError("M_INVALID_PARAM", 'status must be "scheduled" or "finalised"');
      }
      const wanted = delayIds.length > 0 ? new Set(delayIds) : undefined;
      const keep = (row: DelayedEventRow) => wanted === undefined || wanted.has(row.delay_id);
      const listing: UnstableListing = {};
      if (status !== "finalised") {
        const scheduled = store
          .selectScheduledByUser(userId)
          .filter(keep)
          .map((row) => describe(row, "unstable"));
        listing.delayed_events = scheduled;
        listing.scheduled = scheduled;
      }
      if (status !== "scheduled")
        listing.finalised = store.selectFinalisedByUser(userId, FINALISED_PER_USER).filter(keep).map(describeFinalised);
      return listing;
    },

    /** GET /v1/delayed_events: the scheduled ones, soonest first. */
    listV1(userId: string): { delayed_events: DelayedEventItem[] } {
      return { delayed_events: store.selectScheduledByUser(userId).map((row) => describe(row, "v1")) };
    },

    /** GET …/delayed_events/{delay_id}: one of the user's events; 404 for others' (as for unknown ones). */
    lookup(userId: string, delayId: string, api: ListingApi): DelayedEventItem {
      const row = store.selectDelayedEvent(delayId);
      if (!row || row.user_id !== userId) throw delayedEventNotFound();
      return {
        ...describe(row, api),
        ...(row.error !== null ? { error: JSON.parse(row.error) as JsonValue } : {}),
        ...(row.event_id !== null ? { event_id: row.event_id } : {}),
        ...(row.finalised_ts !== null ? { finalised_ts: row.finalised_ts } : {}),
      };
    },
  };
}
