/**
 * LiveKit room names and participant identities derived from Matrix ids, exactly as
 * lk-jwt-service derives them, so that a call's participants meet in the same LiveKit room
 * whichever service (ours or another server's) handed out their tokens.
 * MSC4195 "Appendix: hash derivation": unpadded base64 of SHA-256 over the JSON array.
 * https://github.com/matrix-org/matrix-spec-proposals/pull/4195
 */
import { createHash } from "node:crypto";

/** The slot of a room's one call; the legacy /sfu/get always uses it. */
export const ROOM_CALL_SLOT = "m.call#ROOM";

/** The LiveKit room of a MatrixRTC slot in a Matrix room. */
export function liveKitRoomAlias(roomId: string, slotId: string): string {
  return hashStrings([roomId, slotId]);
}

/** A member's LiveKit identity for /get_token: nothing about the user is readable from it. */
export function liveKitIdentity(userId: string, deviceId: string, memberId: string): string {
  return hashStrings([userId, deviceId, memberId]);
}

/** The legacy /sfu/get identity, readable: `@user:server:DEVICE`. */
export function legacyLiveKitIdentity(userId: string, deviceId: string): string {
  return `${userId}:${deviceId}`;
}

function hashStrings(values: string[]): string {
  return createHash("sha256").update(goJsonStrings(values)).digest("base64").replace(/=+$/, "");
}

/**
 * What Go's json.Marshal gives for a []string, which is what lk-jwt-service hashes. It is
 * JSON.stringify plus Go's HTML-safe escapes of <, >, & and U+2028/U+2029; a lone
 * surrogate, which Go's decoder would already have turned into U+FFFD, becomes U+FFFD.
 */
function goJsonStrings(values: string[]): string {
  return JSON.stringify(values.map((value) => value.toWellFormed())).replace(
    /[<>&\u2028\u2029]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
