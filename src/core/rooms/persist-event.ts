/**
 * Writing an authorized event and everything derived from it: the event row, its state group,
 * the current state, the membership, the forward extremities, the relation it declares and
 * the thread it is in.
 * Called by the room engine inside its transaction.
 */
import { EventType } from "../../matrix/event-types.ts";
import type { StoredEvent } from "../../matrix/pdu.ts";
import { relationOf, RelType } from "../../matrix/relations.ts";
import { CHILD_REL_TYPE_BITS } from "../../storage/relations.ts";
import type { RoomRow } from "../../storage/rooms.ts";
import type { AppendedEvent } from "./appended-event.ts";
import type { AppendOptions, EngineStores } from "./room-engine.ts";

export function createEventWriter(
  stores: Pick<EngineStores, "rooms" | "events" | "roomState" | "memberships" | "relations">,
) {
  /** Writes an authorized event and everything derived from it. */
  function persist(
    room: RoomRow,
    event: StoredEvent & { json: string },
    prevIds: string[],
    options: AppendOptions,
  ): AppendedEvent {
    const { pdu, event_id } = event;
    const roomId = room.room_id;
    let stateGroup = room.current_state_group;
    let replaces: string | null = null;
    if (pdu.state_key !== undefined) {
      replaces = stores.roomState.selectCurrentEntry(roomId, pdu.type, pdu.state_key) ?? null;
      const entry = { type: pdu.type, state_key: pdu.state_key, event_id };
      stateGroup = stores.roomState.insertStateGroup(roomId, stateGroup, [entry]);
      stores.roomState.upsertCurrent(roomId, entry);
      stores.rooms.updateCurrentStateGroup(roomId, stateGroup);
    }
    const membership =
      pdu.type === EventType.RoomMember && typeof pdu.content.membership === "string" ? pdu.content.membership : null;
    const stream = stores.events.insertEvent({
      event_id,
      room_id: roomId,
      type: pdu.type,
      state_key: pdu.state_key ?? null,
      sender: pdu.sender,
      membership,
      depth: pdu.depth,
      origin_server_ts: pdu.origin_server_ts,
      state_group: stateGroup,
      replaces_state: replaces,
      txn: options.txn,
      json: event.json,
    });
    stores.rooms.replaceExtremities(roomId, prevIds, event_id, pdu.depth);
    if (membership !== null && pdu.state_key !== undefined) {
      const { displayname, avatar_url } = pdu.content;
      stores.memberships.upsertMembership({
        room_id: roomId,
        user_id: pdu.state_key,
        membership,
        event_id,
        stream_ordering: stream,
        displayname: typeof displayname === "string" ? displayname : null,
        avatar_url: typeof avatar_url === "string" ? avatar_url : null,
      });
    }
    return {
      event_id,
      room_id: roomId,
      stream_ordering: stream,
      type: pdu.type,
      state_key: pdu.state_key,
      sender: pdu.sender,
      membership: membership ?? undefined,
      thread_id: recordRelation(roomId, event, stream),
      pdu,
    };
  }

  /**
   * Records the event's relation and returns the thread it is in. A relation to an event of
   * another room is not one (the spec has such relations ignored), so it is not recorded.
   * An m.thread event is in its root's thread; an event relating to a threaded event (a
   * reaction or edit in a thread) is in that event's thread, which was itself decided this
   * way when it was stored, so the spec's "follow the relations, about 3 hops" costs one
   * lookup. Thread roots and what relates to them without m.thread stay in the main timeline.
   * https://spec.matrix.org/v1.19/client-server-api/#threaded-read-receipts
   */
  function recordRelation(roomId: string, { event_id, pdu }: StoredEvent, stream: number): string | undefined {
    const relation = relationOf(pdu.content);
    if (!relation) return undefined;
    const parentRoom = stores.events.selectRoomId(relation.event_id);
    if (parentRoom !== undefined && parentRoom !== roomId) return undefined;
    const parent = stores.relations.selectRelation(relation.event_id);
    const isThread = relation.rel_type === RelType.Thread;
    const threadId = isThread ? relation.event_id : (parent?.thread_id ?? null);
    stores.relations.insertRelation({
      event_id,
      relates_to_id: relation.event_id,
      rel_type: relation.rel_type,
      aggregation_key: relation.key ?? null,
      room_id: roomId,
      type: pdu.type,
      sender: pdu.sender,
      depth: pdu.depth,
      stream_ordering: stream,
      thread_id: threadId,
    });
    if (parentRoom === undefined) return threadId ?? undefined;
    const bit = CHILD_REL_TYPE_BITS[relation.rel_type];
    if (bit !== undefined) stores.events.markChildRelType(relation.event_id, roomId, bit);
    // A thread is listed once its root is known and is not itself a relation.
    if (isThread && !parent)
      stores.relations.upsertThread(roomId, relation.event_id, { event_id, depth: pdu.depth, stream_ordering: stream });
    return threadId ?? undefined;
  }

  return { persist };
}
