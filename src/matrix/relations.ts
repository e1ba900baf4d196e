/**
 * Event relationships: the `m.relates_to` of an event's content and the relation types the
 * server treats specially.
 * https://spec.matrix.org/v1.19/client-server-api/#forming-relationships-between-events
 */
import type { EventContent } from "./pdu.ts";

export const RelType = {
  Annotation: "m.annotation",
  Reference: "m.reference",
  Replace: "m.replace",
  Thread: "m.thread",
} as const;

export interface Relation {
  rel_type: string;
  event_id: string;
  /** m.annotation's key. */
  key?: string;
}

/**
 * The relation an event declares, if it has a well-formed one. Rich replies
 * (`m.in_reply_to` without `rel_type`) are not relations in this sense: the spec leaves
 * them out of the relations API and of aggregations.
 */
export function relationOf(content: EventContent): Relation | undefined {
  const relatesTo = content["m.relates_to"];
  if (typeof relatesTo !== "object" || relatesTo === null || Array.isArray(relatesTo)) return undefined;
  const { rel_type, event_id, key } = relatesTo;
  if (typeof rel_type !== "string" || typeof event_id !== "string") return undefined;
  return typeof key === "string" ? { rel_type, event_id, key } : { rel_type, event_id };
}
