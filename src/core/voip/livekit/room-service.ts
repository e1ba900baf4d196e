/**
 * A client for the two calls of LiveKit's room service API (Twirp over HTTP, JSON
 * encoding) that an authorization service makes: CreateRoom before a full-access user's
 * first token, and GetParticipant to see whether a delegating participant is connected.
 * Each call is authenticated by a short-lived service token with the grant LiveKit demands.
 * https://docs.livekit.io/home/server/managing-rooms/
 */
import type { Clock } from "../../clock.ts";
import { mintServiceToken, type LiveKitCredentials, type VideoGrant } from "./access-token.ts";

/** Room-service calls are quick; a stuck SFU must not hold a client's token request for long. */
export const ROOM_SERVICE_TIMEOUT_MS = 5000;

/** lk-jwt-service's room settings: keep an unused room 5 minutes, an emptied one 20 seconds. */
const EMPTY_TIMEOUT_SECONDS = 300;
const DEPARTURE_TIMEOUT_SECONDS = 20;

export class RoomServiceError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "RoomServiceError";
  }
}

export interface RoomServiceSettings extends LiveKitCredentials {
  /** livekit_url as configured: ws(s) becomes http(s), a path prefix (behind a proxy) is kept. */
  url: string;
}

export function createRoomServiceClient(settings: RoomServiceSettings, clock: Clock) {
  const base = settings.url.replace(/^ws(s?):/i, "http$1:").replace(/\/+$/, "");

  async function call(method: string, body: Record<string, unknown>, grant: VideoGrant): Promise<Response> {
    try {
      return await fetch(`${base}/twirp/livekit.RoomService/${method}`, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Authorization: `Bearer ${mintServiceToken(settings, grant, clock.now())}`,
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(ROOM_SERVICE_TIMEOUT_MS),
      });
    } catch (error) {
      throw new RoomServiceError(`${method}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  async function failure(method: string, response: Response): Promise<RoomServiceError> {
    const text = await response.text().catch(() => "");
    return new RoomServiceError(`${method}: HTTP ${response.status} ${text.slice(0, 200)}`, response.status);
  }

  return {
    /** Creates the room, or finds it already there (CreateRoom is idempotent in LiveKit). */
    async createRoom(name: string): Promise<void> {
      const body = { name, emptyTimeout: EMPTY_TIMEOUT_SECONDS, departureTimeout: DEPARTURE_TIMEOUT_SECONDS };
      const response = await call("CreateRoom", body, { roomCreate: true });
      if (!response.ok) throw await failure("CreateRoom", response);
      await response.body?.cancel();
    },

    /** true when connected, false when LiveKit says not found; throws when it cannot tell. */
    async participantExists(room: string, identity: string): Promise<boolean> {
      const response = await call("GetParticipant", { room, identity }, { roomAdmin: true, room });
      if (response.status === 404) {
        await response.body?.cancel();
        return false;
      }
      if (!response.ok) throw await failure("GetParticipant", response);
      await response.body?.cancel();
      return true;
    },
  };
}

export type RoomServiceClient = ReturnType<typeof createRoomServiceClient>;
