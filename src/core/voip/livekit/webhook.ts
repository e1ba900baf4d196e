/**
 * LiveKit webhooks: the SFU POSTs participant events, as protobuf JSON with content type
 * application/webhook+json, signed by a token in the Authorization header whose `sha256`
 * claim is the body's hash. Only the participant events that leave delegation uses matter.
 * https://docs.livekit.io/home/server/webhooks/
 */
import { bodySha256, verifyLiveKitToken, type LiveKitCredentials } from "./access-token.ts";

export type ParticipantEvent =
  | { kind: "joined"; room: string; identity: string }
  | { kind: "left"; room: string; identity: string; intentionally: boolean };

/** DisconnectReason CLIENT_INITIATED: the participant hung up, rather than losing the connection. */
const CLIENT_INITIATED = 1;

/** true when the body is signed by LiveKit with our key; the token may carry a "Bearer " prefix. */
export function isSignedWebhook(
  body: string,
  authorization: string | undefined,
  credentials: LiveKitCredentials,
  nowMs: number,
): boolean {
  if (!authorization) return false;
  const claims = verifyLiveKitToken(authorization.replace(/^Bearer\s+/i, ""), credentials, nowMs);
  return claims !== undefined && claims.sha256 === bodySha256(body);
}

/**
 * The participant event in a verified webhook body, or undefined for every other event.
 * protojson writes lowerCamel names and enum names; the snake_case names and enum numbers
 * it also accepts are read too.
 */
export function participantEventOf(body: string): ParticipantEvent | undefined {
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof event !== "object" || event === null) return undefined;
  const room = (event.room as { name?: unknown } | undefined)?.name;
  const participant = event.participant as Record<string, unknown> | undefined;
  const identity = participant?.identity;
  if (typeof room !== "string" || typeof identity !== "string") return undefined;
  switch (event.event) {
    case "participant_joined":
      return { kind: "joined", room, identity };
    case "participant_left":
    case "participant_connection_aborted": {
      const reason = participant?.disconnectReason ?? participant?.disconnect_reason;
      return {
        kind: "left",
        room,
        identity,
        intentionally: reason === "CLIENT_INITIATED" || reason === CLIENT_INITIATED,
      };
    }
    default:
      return undefined;
  }
}
