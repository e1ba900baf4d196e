/**
 * Writing an authorized event and everything derived from it: the event row, its state group,
 * the current state, the membership, the forward extremities and the relation it declares.
 * Called by the append path inside its transaction.
 */
import { EventType } from "../../matrix/event-types.ts";
import type { StoredEvent } from "../../matrix/pdu.ts";
import type { RoomRow } from "../../storage/rooms.ts";
import type { AppendOptions, AppendResult, EngineStores } from "./append-event.ts";

export function createEventWriter(stores: Pick<EngineStores, "rooms" | "events" | "roomState" | "memberships">) {
  /** Writes an authorized event and everything derived from it. */
  function persist(room: RoomRow, event: StoredEvent & { json: string }, prevIds: string[], options: AppendOptions): AppendResult {
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
    const membership = pdu.type === EventType.RoomMember && typeof pdu.content.membership === "string" ? pdu.content.membership : null;
    const stream = stores.events.insertEvent({
      event_id, room_id: roomId, type: pdu.type, state_key: pdu.state_key ?? null, sender: pdu.sender, membership,
      depth: pdu.depth, origin_server_ts: pdu.origin_server_ts, state_group: stateGroup, replaces_state: replaces, txn: options.txn, json: event.json,
    });
    stores.rooms.replaceExtremities(roomId, prevIds, event_id, pdu.depth);
    if (membership !== null && pdu.state_key !== undefined) {
      const { displayname, avatar_url } = pdu.content;
      stores.memberships.upsertMembership({
        room_id: roomId, user_id: pdu.state_key, membership, event_id, stream_ordering: stream,
        displayname: typeof displayname === "string" ? displayname : null, avatar_url: typeof avatar_url === "string" ? avatar_url : null,
      });
    }
    recordRelation(roomId, event);
    return { event_id, pdu, room_id: roomId, stream_ordering: stream };
  }

  function recordRelation(roomId: string, { event_id, pdu }: StoredEvent): void {
    const relation = pdu.content["m.relates_to"];
    if (typeof relation !== "object" || relation === null || Array.isArray(relation)) return;
    const { rel_type, event_id: target, key } = relation;
    if (typeof rel_type !== "string" || typeof target !== "string") return;
    stores.events.insertRelation({
      event_id, relates_to_id: target, rel_type, aggregation_key: typeof key === "string" ? key : null, room_id: roomId, type: pdu.type, sender: pdu.sender,
    });
  }

  return { persist };
}
