/**
 * LiveKit access tokens: HS256 JWTs signed with the API secret, carrying LiveKit's grants.
 * The claims are those lk-jwt-service mints through livekit/protocol's AccessToken:
 * `iss` the API key, `sub` and `identity` the participant, `iat`/`nbf` now, `exp`, and a
 * `video` grant. HMAC-SHA256 from node:crypto is all HS256 needs, so no JWT library.
 * https://docs.livekit.io/home/get-started/authentication/
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** The subset of LiveKit's VideoGrant we issue; absent fields are false, as Go's omitempty leaves them out. */
export interface VideoGrant {
  roomCreate?: boolean;
  roomAdmin?: boolean;
  roomJoin?: boolean;
  room?: string;
  canPublish?: boolean;
  canSubscribe?: boolean;
  canUpdateOwnMetadata?: boolean;
}

export interface LiveKitClaims {
  iss: string;
  sub?: string;
  exp: number;
  nbf: number;
  iat: number;
  identity?: string;
  video?: VideoGrant;
  /** Webhooks: base64 of the body's SHA-256, binding the token to the payload. */
  sha256?: string;
}

export interface LiveKitCredentials {
  apiKey: string;
  apiSecret: string;
}

/** lk-jwt-service's join tokens last an hour: long enough to connect, LiveKit keeps a connected participant. */
export const JOIN_TOKEN_TTL_SECONDS = 3600;
/** LiveKit's SDKs give their room-service API tokens ten minutes. */
const SERVICE_TOKEN_TTL_SECONDS = 600;
/** livekit/protocol verifies with a minute of leeway for clock skew; so do we. */
const LEEWAY_SECONDS = 60;

const HEADER = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url");

export function signLiveKitToken(claims: LiveKitClaims, secret: string): string {
  const signingInput = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
  return `${signingInput}.${createHmac("sha256", secret).update(signingInput).digest("base64url")}`;
}

/**
 * The token a participant connects to the SFU with: join one room, publish, subscribe and
 * set its own metadata. lk-jwt-service gives full-access and restricted users the same
 * token; only full-access users also get the room created.
 */
export function mintJoinToken(credentials: LiveKitCredentials, room: string, identity: string, nowMs: number): string {
  const now = Math.floor(nowMs / 1000);
  return signLiveKitToken(
    {
      iss: credentials.apiKey,
      sub: identity,
      exp: now + JOIN_TOKEN_TTL_SECONDS,
      nbf: now,
      iat: now,
      identity,
      video: { roomJoin: true, room, canPublish: true, canSubscribe: true, canUpdateOwnMetadata: true },
    },
    credentials.apiSecret,
  );
}

/** A token for LiveKit's room service API (no participant), e.g. `{ roomCreate: true }`. */
export function mintServiceToken(credentials: LiveKitCredentials, video: VideoGrant, nowMs: number): string {
  const now = Math.floor(nowMs / 1000);
  return signLiveKitToken(
    { iss: credentials.apiKey, exp: now + SERVICE_TOKEN_TTL_SECONDS, nbf: now, iat: now, video },
    credentials.apiSecret,
  );
}

/**
 * Verifies a token LiveKit signed with our key (its webhooks): HS256 only, issuer our API
 * key, `exp` required, `nbf` honoured. Returns the claims, or undefined for anything else.
 */
export function verifyLiveKitToken(
  token: string,
  credentials: LiveKitCredentials,
  nowMs: number,
): LiveKitClaims | undefined {
  const [header, payload, signature, ...rest] = token.split(".");
  if (header === undefined || payload === undefined || signature === undefined || rest.length > 0) return undefined;
  const expected = createHmac("sha256", credentials.apiSecret).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  const head = parseJsonObject(Buffer.from(header, "base64url").toString());
  const claims = parseJsonObject(Buffer.from(payload, "base64url").toString());
  if (head?.alg !== "HS256" || !claims || claims.iss !== credentials.apiKey || typeof claims.exp !== "number")
    return undefined;
  const now = nowMs / 1000;
  if (claims.exp + LEEWAY_SECONDS < now) return undefined;
  if (typeof claims.nbf === "number" && claims.nbf - LEEWAY_SECONDS > now) return undefined;
  return claims as unknown as LiveKitClaims;
}

/** base64 (padded, standard alphabet) of SHA-256, as LiveKit puts in a webhook token's `sha256` claim. */
export function bodySha256(body: string): string {
  return createHash("sha256").update(body).digest("base64");
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
