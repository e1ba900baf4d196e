/**
 * Turns an event draft into a signed PDU of the room's version: prev_events, depth,
 * auth_events, hashes, signature and event id. Pure apart from the clock value passed in.
 * https://spec.matrix.org/v1.19/server-server-api/#pdus
 */
import { encodeUnpaddedBase64 } from "../../matrix/base64.ts";
import { finalizePdu, referenceHash, type ProtoPdu } from "../../matrix/event-hashing.ts";
import { generateEventIdWithDomain } from "../../matrix/ids.ts";
import type { EventContent, EventReference, StoredEvent } from "../../matrix/pdu.ts";
import type { RoomVersion } from "../../matrix/room-versions.ts";
import type { SigningKey } from "../../matrix/signing.ts";

/** What a caller asks to send; the engine fills in the rest. */
export interface EventDraft {
  type: string;
  state_key?: string;
  sender: string;
  content: EventContent;
  /** Room versions 1–10 carry `redacts` at the top level of m.room.redaction; v11+ in content. */
  redacts?: string;
}

export interface BuildContext {
  /** undefined only for a v12 create event, whose room id derives from it. */
  roomId: string | undefined;
  version: RoomVersion;
  serverName: string;
  signingKey: SigningKey;
  now: number;
  prevEvents: readonly StoredEvent[];
  authEvents: readonly StoredEvent[];
  depth: number;
}

/** v1–v2 cite events as [event_id, {sha256: reference hash}]; later versions by id alone. */
function referenceTo(event: StoredEvent, version: RoomVersion): EventReference {
  if (version.eventIdFormat !== "v1") return event.event_id;
  return [event.event_id, { sha256: encodeUnpaddedBase64(referenceHash(event.pdu, version)) }];
}

export function buildPdu(draft: EventDraft, context: BuildContext): StoredEvent {
  const { version } = context;
  const proto: ProtoPdu = {
    ...(version.eventIdFormat === "v1" ? { event_id: generateEventIdWithDomain(context.serverName) } : {}),
    ...(context.roomId !== undefined ? { room_id: context.roomId } : {}),
    sender: draft.sender,
    type: draft.type,
    ...(draft.state_key !== undefined ? { state_key: draft.state_key } : {}),
    content: draft.content,
    origin_server_ts: context.now,
    // `origin` was a required PDU key until room version 11 dropped it from the redaction algorithm.
    ...(version.implicitRoomCreator ? {} : { origin: context.serverName }),
    depth: context.depth,
    prev_events: context.prevEvents.map((event) => referenceTo(event, version)),
    auth_events: context.authEvents.map((event) => referenceTo(event, version)),
    ...(draft.redacts !== undefined && !version.redactsInContent ? { redacts: draft.redacts } : {}),
  };
  return finalizePdu(proto, version, context.serverName, context.signingKey);
}
