/**
 * What the server refuses when a client sends an event with a relation.
 * - A thread cannot start from an event that is itself a relation (this includes events in
 *   a thread): 400 M_UNKNOWN, as the spec says for want of a better code.
 *   https://spec.matrix.org/v1.19/client-server-api/#validation-of-mthread-relationships
 * - A second annotation with the same type and key from the same sender on the same event:
 *   400 M_DUPLICATE_ANNOTATION (a redacted annotation no longer counts).
 *   https://spec.matrix.org/v1.19/client-server-api/#avoiding-duplicate-annotations
 * Other invalid relations (an edit of someone else's event, a parent in another room) are
 * stored as sent and left out of aggregations, as the spec asks.
 */
import { MatrixError } from "../../errors.ts";
import type { EventContent } from "../../matrix/pdu.ts";
import { relationOf, RelType } from "../../matrix/relations.ts";
import type { RoomStores } from "./room-deps.ts";

export function checkNewRelation(
  stores: Pick<RoomStores, "relations">,
  sender: string,
  type: string,
  content: EventContent,
): void {
  const relation = relationOf(content);
  if (!relation) return;
  if (relation.rel_type === RelType.Thread && stores.relations.selectRelation(relation.event_id)) {
    throw new MatrixError("M_UNKNOWN", "Cannot start a thread from an event that has a relation of its own");
  }
  if (
    relation.rel_type === RelType.Annotation &&
    relation.key !== undefined &&
    stores.relations.hasAnnotation(relation.event_id, sender, type, relation.key)
  ) {
    throw new MatrixError("M_DUPLICATE_ANNOTATION", "You already sent this annotation for this event");
  }
}
