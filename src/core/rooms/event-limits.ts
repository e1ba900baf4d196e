/**
 * The size limits of an event, decided here once: the room engine applies them to every PDU
 * it builds, and delayed events to what they schedule (so that a scheduled event fails now
 * rather than when it falls due).
 * https://spec.matrix.org/v1.19/client-server-api/#size-limits
 */
import { MatrixError } from "../../errors.ts";
import { CanonicalJsonError, canonicalJson } from "../../matrix/canonical-json.ts";
import type { EventContent } from "../../matrix/pdu.ts";

/** The largest PDU the spec allows, in bytes of canonical JSON. */
export const MAX_PDU_BYTES = 65_536;
/** Event types and state keys: 255 bytes. */
const MAX_ID_BYTES = 255;
const encoder = new TextEncoder();

/** 413 M_TOO_LARGE for an event type or state key over 255 bytes. */
export function checkIdentifierSizes(type: string, stateKey: string | undefined): void {
  if (encoder.encode(type).length > MAX_ID_BYTES)
    throw new MatrixError("M_TOO_LARGE", "Event type is longer than 255 bytes");
  if (stateKey !== undefined && encoder.encode(stateKey).length > MAX_ID_BYTES)
    throw new MatrixError("M_TOO_LARGE", "State key is longer than 255 bytes");
}

/** 413 M_TOO_LARGE for event JSON over 64 KiB. */
export function checkEventSize(json: string): void {
  // UTF-8 is at most 3 bytes per UTF-16 unit: only long texts need encoding to be measured.
  if (json.length * 3 > MAX_PDU_BYTES && encoder.encode(json).length > MAX_PDU_BYTES) {
    throw new MatrixError("M_TOO_LARGE", "Event is larger than 65536 bytes");
  }
}

/** The checks that do not need the room: identifier sizes, canonical JSON content and its size. */
export function checkEventShape(type: string, stateKey: string | undefined, content: EventContent): void {
  checkIdentifierSizes(type, stateKey);
  checkEventSize(asEventContent(() => canonicalJson(content)));
}

/** Runs `encode` (canonical JSON of content, or of an event around it), naming the content in its error. */
export function asEventContent<T>(encode: () => T): T {
  try {
    return encode();
  } catch (error) {
    if (error instanceof CanonicalJsonError)
      throw new MatrixError("M_BAD_JSON", `Event content is not canonical JSON: ${error.message}`);
    throw error;
  }
}
