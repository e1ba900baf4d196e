/**
 * The filter of one /sync request: a stored filter id or inline JSON, validated against the
 * spec's schema (matrix/filter.ts), with the defaults applied, and the checks the streams
 * share: which rooms a section covers, which events an event filter passes, and the
 * event_fields projection. Stored filters never change, so parsed ones are cached.
 * https://spec.matrix.org/v1.19/client-server-api/#filtering
 */
import { Value } from "@sinclair/typebox/value";
import { MatrixError } from "../../errors.ts";
import { Filter } from "../../matrix/filter.ts";
import { matchesFilter, type RoomEventFilter } from "../timeline/event-filter.ts";
import type { Filters } from "../users/filters.ts";

/** An EventFilter (presence, global account data): type and sender patterns and a limit. */
export interface EventFilterSpec {
  types?: string[];
  not_types?: string[];
  senders?: string[];
  not_senders?: string[];
  limit?: number;
}

/** A RoomEventFilter as one section of the room filter sees it. */
export interface RoomSectionFilter extends RoomEventFilter {
  rooms?: string[];
  not_rooms?: string[];
  unread_thread_notifications?: boolean;
}

export interface SyncFilter {
  event_fields: string[] | undefined;
  event_format: "client" | "federation";
  presence: EventFilterSpec;
  account_data: EventFilterSpec;
  room: {
    rooms: string[] | undefined;
    not_rooms: string[] | undefined;
    include_leave: boolean;
    timeline: RoomSectionFilter;
    state: RoomSectionFilter;
    ephemeral: RoomSectionFilter;
    account_data: RoomSectionFilter;
  };
}

/** Timeline events per room when the filter sets no limit (Synapse's default). */
export const DEFAULT_TIMELINE_LIMIT = 10;
/** An initial sync of many rooms must stay bounded, whatever the client asks. */
export const MAX_TIMELINE_LIMIT = 500;
const CACHE_LIMIT = 10_000;

function normalize(raw: Filter): SyncFilter {
  const room = raw.room ?? {};
  return {
    event_fields: raw.event_fields,
    event_format: raw.event_format ?? "client",
    presence: raw.presence ?? {},
    account_data: raw.account_data ?? {},
    room: {
      rooms: room.rooms,
      not_rooms: room.not_rooms,
      include_leave: room.include_leave ?? false,
      timeline: room.timeline ?? {},
      state: room.state ?? {},
      ephemeral: room.ephemeral ?? {},
      account_data: room.account_data ?? {},
    },
  };
}

export function parseInlineFilter(text: string): SyncFilter {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new MatrixError("M_NOT_JSON", "The filter is not valid JSON");
  }
  if (!Value.Check(Filter, raw)) {
    const first = [...Value.Errors(Filter, raw)][0];
    // The errcode POST /user/{userId}/filter gives for the same filter.
    throw new MatrixError("M_BAD_JSON", `Invalid filter${first ? ` at ${first.path || "/"}: ${first.message}` : ""}`);
  }
  return normalize(raw);
}

export function createSyncFilters(filters: Pick<Filters, "load">) {
  const cache = new Map<string, SyncFilter>();
  const unfiltered = normalize({});

  return {
    /** The filter of a /sync request: absent, a filter id of the user, or JSON starting with `{`. */
    load(userId: string, param: string | undefined): SyncFilter {
      if (param === undefined || param === "") return unfiltered;
      if (param.startsWith("{")) return parseInlineFilter(param);
      const key = `${userId}\u0000${param}`;
      let filter = cache.get(key);
      if (filter === undefined) {
        filter = normalize(filters.load(userId, param));
        if (cache.size >= CACHE_LIMIT) cache.clear();
        cache.set(key, filter);
      }
      return filter;
    },
  };
}

/** Whether a room belongs to a section: the room filter's rooms/not_rooms, then the section's own. */
export function roomIncluded(filter: SyncFilter, section: RoomSectionFilter, roomId: string): boolean {
  for (const { rooms, not_rooms } of [filter.room, section]) {
    if (not_rooms?.includes(roomId)) return false;
    if (rooms && !rooms.includes(roomId)) return false;
  }
  return true;
}

/** Whether an event of `type` from `sender` passes an event filter (contains_url never applies here). */
export function passesEventFilter(filter: EventFilterSpec, type: string, sender = ""): boolean {
  const { types, not_types, senders, not_senders } = filter;
  return matchesFilter(
    { types, not_types, senders: sender === "" ? undefined : senders, not_senders },
    { type, sender, json: "" },
  );
}

/** The filter's limit for a list, or `fallback`. */
export function limitOf(filter: { limit?: number }, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  return Math.min(Math.max(filter.limit ?? fallback, 0), max);
}

/** Splits `content.m\.relates_to` into ["content", "m.relates_to"] (`\.` is a literal dot, `\\` a backslash). */
function fieldPath(field: string): string[] {
  const parts: string[] = [];
  let current = "";
  for (let i = 0; i < field.length; i++) {
    const char = field[i]!;
    if (char === "\\" && (field[i + 1] === "." || field[i + 1] === "\\")) current += field[++i];
    else if (char === ".") {
      parts.push(current);
      current = "";
    } else current += char;
  }
  parts.push(current);
  return parts;
}

/** Keeps only the listed fields of an event (event_fields). */
export function projectEventFields(event: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const field of fields) {
    const path = fieldPath(field);
    let source: unknown = event;
    let target = result;
    for (let i = 0; i < path.length; i++) {
      if (typeof source !== "object" || source === null || Array.isArray(source)) break;
      const key = path[i]!;
      if (!Object.hasOwn(source, key)) break;
      const value = (source as Record<string, unknown>)[key];
      if (i === path.length - 1) {
        target[key] = value;
      } else {
        const next = target[key];
        target = (target[key] = typeof next === "object" && next !== null ? next : {}) as Record<string, unknown>;
      }
      source = value;
    }
  }
  return result;
}
