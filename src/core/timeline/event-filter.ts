/**
 * The RoomEventFilter of /messages and /context (and of sync's room timeline): which
 * events to return, and whether to lazy-load members.
 * https://spec.matrix.org/v1.19/client-server-api/#filtering
 */
import { MatrixError } from "../../errors.ts";
import type { EventRow } from "../../storage/events.ts";

export interface RoomEventFilter {
  types?: string[];
  not_types?: string[];
  senders?: string[];
  not_senders?: string[];
  contains_url?: boolean;
  lazy_load_members?: boolean;
  include_redundant_members?: boolean;
  limit?: number;
}

const invalid = (why: string) => new MatrixError("M_INVALID_PARAM", `Invalid filter: ${why}`);

function stringList(value: unknown, name: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string"))
    throw invalid(`${name} must be a list of strings`);
  return value;
}

function flag(value: unknown, name: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "boolean") throw invalid(`${name} must be a boolean`);
  return value;
}

/** Parses the `filter` query parameter (JSON). Unknown keys are ignored, as the spec allows. */
export function parseRoomEventFilter(text: string | undefined): RoomEventFilter {
  if (text === undefined || text === "") return {};
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw invalid("not valid JSON");
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw invalid("not a JSON object");
  const object = raw as Record<string, unknown>;
  const limit = object.limit;
  if (limit !== undefined && (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1))
    throw invalid("limit must be a positive integer");
  const filter: RoomEventFilter = {};
  const lists = {
    types: object.types,
    not_types: object.not_types,
    senders: object.senders,
    not_senders: object.not_senders,
  };
  for (const [name, value] of Object.entries(lists)) {
    const list = stringList(value, name);
    if (list) filter[name as keyof typeof lists] = list;
  }
  for (const name of ["contains_url", "lazy_load_members", "include_redundant_members"] as const) {
    const value = flag(object[name], name);
    if (value !== undefined) filter[name] = value;
  }
  if (typeof limit === "number") filter.limit = limit;
  return filter;
}

/**
 * `*` matches any sequence of characters. The classic two-pointer match (back to the last `*`
 * on a mismatch) is O(pattern × type); a regex built from a client's `a*a*a*…b` would backtrack
 * polynomially in the number of stars.
 */
export function typeMatches(pattern: string, type: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < type.length) {
    if (p < pattern.length && pattern[p] !== "*" && pattern[p] === type[t]) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === "*") {
      star = p++;
      resume = t;
    } else if (star !== -1) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (pattern[p] === "*") p++;
  return p === pattern.length;
}

/** Whether an event passes the filter. `content` is only read for contains_url. */
export function matchesFilter(filter: RoomEventFilter, row: Pick<EventRow, "type" | "sender" | "json">): boolean {
  if (filter.not_types?.some((pattern) => typeMatches(pattern, row.type))) return false;
  if (filter.types && !filter.types.some((pattern) => typeMatches(pattern, row.type))) return false;
  if (filter.not_senders?.includes(row.sender)) return false;
  if (filter.senders && !filter.senders.includes(row.sender)) return false;
  if (filter.contains_url !== undefined) {
    const content = (JSON.parse(row.json) as { content?: { url?: unknown } }).content;
    if ((typeof content?.url === "string") !== filter.contains_url) return false;
  }
  return true;
}
