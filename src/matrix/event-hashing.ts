/**
 * Content hashes, reference hashes, event IDs, v12 room IDs, and the hash-then-sign step
 * that turns a built event into a PDU.
 * https://spec.matrix.org/v1.19/server-server-api/#signing-events
 */
import { createHash } from "node:crypto";
import { decodeBase64, encodeUnpaddedBase64, encodeUnpaddedBase64Url } from "./base64.ts";
import { canonicalJson } from "./canonical-json.ts";
import type { Pdu, StoredEvent } from "./pdu.ts";
import { redactEventJson, redactPdu } from "./redaction.ts";
import type { RoomVersion } from "./room-versions.ts";
import { signJson, verifyJsonSignature, type SigningKey } from "./signing.ts";

/** An event as built, before `hashes` and `signatures` are filled in. */
export type ProtoPdu = Omit<Pdu, "hashes" | "signatures"> & Partial<Pick<Pdu, "hashes" | "signatures">>;

function sha256(text: string): Uint8Array {
  return new Uint8Array(createHash("sha256").update(text, "utf8").digest());
}

/**
 * The content hash covers the whole unredacted event except `unsigned`, `signatures` and
 * `hashes`, so a receiver can tell whether it was given the full event or a redacted copy.
 * https://spec.matrix.org/v1.19/server-server-api/#calculating-the-content-hash-for-an-event
 *
 * canonicalJson throws on floats and on integers outside ±(2^53−1): the strict
 * canonical JSON of room version 6+. Older versions may in theory carry larger integers,
 * but a JS number cannot hold them exactly, so such an event could not be hashed right anyway.
 */
export function contentHash(event: object): Uint8Array {
  const { unsigned: _unsigned, signatures: _signatures, hashes: _hashes, ...rest } = event as Record<string, unknown>;
  return sha256(canonicalJson(rest));
}

/**
 * The reference hash covers the redacted event without `signatures` and `unsigned`; it is
 * the event ID from room version 3 on.
 * https://spec.matrix.org/v1.19/server-server-api/#calculating-the-reference-hash-for-an-event
 */
export function referenceHash(pdu: Pdu, version: RoomVersion): Uint8Array {
  const { signatures: _signatures, unsigned: _unsigned, ...rest } = redactPdu(pdu, version);
  return sha256(canonicalJson(rest));
}

/**
 * The event ID: stored in the PDU for room versions 1–2, otherwise `$` and the reference
 * hash in unpadded base64 (standard alphabet in v3, URL-safe from v4).
 * https://spec.matrix.org/v1.19/rooms/v4/#event-ids
 */
export function eventIdOf(pdu: Pdu, version: RoomVersion): string {
  switch (version.eventIdFormat) {
    case "v1":
      if (pdu.event_id === undefined)
        throw new Error(`room version ${version.id} events carry their event_id, and this one has none`);
      return pdu.event_id;
    case "v3":
      return `$${encodeUnpaddedBase64(referenceHash(pdu, version))}`;
    case "v4":
      return `$${encodeUnpaddedBase64Url(referenceHash(pdu, version))}`;
  }
}

/**
 * Room version 12: the room ID is the create event's event ID with the sigil `!`.
 * https://spec.matrix.org/v1.19/appendices/#room-ids
 */
export function roomIdFromCreateEvent(create: Pdu, version: RoomVersion): string {
  if (!version.roomIdFromCreateEvent)
    throw new Error(`room version ${version.id} does not derive room IDs from the create event`);
  return `!${eventIdOf(create, version).slice(1)}`;
}

/**
 * Fills in `hashes.sha256` and this server's signature, and computes the event ID.
 * The signature is made over the *redacted* event, as the spec requires, so that it
 * still verifies after a redaction; it is then copied onto the full event.
 * https://spec.matrix.org/v1.19/server-server-api/#adding-hashes-and-signatures-to-outgoing-events
 *
 * Room versions 1–2 need `event_id` in the proto (see `generateEventIdWithDomain`); later
 * versions must not have one, since it would be hashed into the ID it is meant to be.
 */
export function finalizePdu(
  proto: ProtoPdu,
  version: RoomVersion,
  serverName: string,
  signingKey: SigningKey,
): StoredEvent {
  const storesEventId = version.eventIdFormat === "v1";
  if (storesEventId && proto.event_id === undefined)
    throw new Error(`room version ${version.id} events need an event_id`);
  if (!storesEventId && proto.event_id !== undefined)
    throw new Error(`room version ${version.id} events must not carry an event_id`);

  const withHash: Pdu = {
    ...proto,
    hashes: { sha256: encodeUnpaddedBase64(contentHash(proto)) },
    signatures: proto.signatures ?? {},
  };
  const { signatures } = signJson(redactPdu(withHash, version), serverName, signingKey);
  const pdu: Pdu = { ...withHash, signatures };
  return { event_id: eventIdOf(pdu, version), pdu };
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}

/**
 * Whether `hashes.sha256` matches the event. A mismatch after a valid signature means the
 * sender gave us a redacted copy: the receiver should keep the redacted form.
 * https://spec.matrix.org/v1.19/server-server-api/#validating-hashes-and-signatures-on-received-events
 */
export function verifyPduHashes(pdu: Pdu): boolean {
  const claimed = pdu.hashes?.sha256;
  if (typeof claimed !== "string") return false;
  try {
    return bytesEqual(decodeBase64(claimed), contentHash(pdu));
  } catch {
    return false;
  }
}

/**
 * Checks one server's signature over the redacted event, which holds whether we were sent
 * the full event or a redacted copy. Fetching keys and deciding whose signatures are
 * required (the sender's server; for v1–2 also the event ID's) is the caller's job.
 */
export function checkPduSignature(
  pdu: Pdu,
  version: RoomVersion,
  serverName: string,
  keyId: string,
  publicKeyBase64: string,
): boolean {
  try {
    return verifyJsonSignature(
      redactEventJson(pdu as unknown as Record<string, unknown>, version),
      serverName,
      keyId,
      publicKeyBase64,
    );
  } catch {
    return false;
  }
}
