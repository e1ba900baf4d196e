/**
 * A stand-in for a LiveKit SFU's room service API (Twirp, JSON) on a free loopback port:
 * it checks each request the way LiveKit would (path, JSON body, an Authorization token
 * verified with livekit-server-sdk's TokenVerifier and carrying the grant the method needs)
 * and records it. GetParticipant answers 200 for identities marked connected, else Twirp's
 * 404 not_found. It also signs webhooks as LiveKit does, with the SDK's AccessToken.
 */
import { createHash } from "node:crypto";
import { AccessToken, TokenVerifier } from "livekit-server-sdk";
import { closeAfterUse } from "./teardown.ts";

export interface TwirpCall {
  method: string;
  body: Record<string, unknown>;
  /** The verified claims of the Authorization token. */
  claims: Record<string, any>;
}

export interface FakeLiveKit {
  /** livekit_url for the config: ws://, as operators write it. */
  url: string;
  apiKey: string;
  apiSecret: string;
  calls: TwirpCall[];
  /** Requests LiveKit would have refused, with the reason. */
  refused: string[];
  connected: Set<string>;
  /** Makes CreateRoom answer 500 (an SFU in trouble). */
  failCreateRoom: boolean;
  /** A webhook body and its Authorization header, signed with `secret` (ours by default). */
  signWebhook: (event: Record<string, unknown>, secret?: string) => Promise<{ body: string; authorization: string }>;
  stop: () => Promise<void>;
}

const GRANT_NEEDED: Record<string, (body: Record<string, unknown>, video: Record<string, unknown>) => boolean> = {
  CreateRoom: (_body, video) => video.roomCreate === true,
  GetParticipant: (body, video) => video.roomAdmin === true && video.room === body.room,
};

export function startFakeLiveKit(apiKey = "devkey", apiSecret = "a-livekit-secret-of-at-least-32-chars"): FakeLiveKit {
  const verifier = new TokenVerifier(apiKey, apiSecret);
  const state = {
    calls: [] as TwirpCall[],
    refused: [] as string[],
    connected: new Set<string>(),
    failCreateRoom: false,
  };

  const twirpError = (status: number, code: string, msg: string) => Response.json({ code, msg }, { status });
  const refuse = (reason: string) => {
    state.refused.push(reason);
    return twirpError(401, "unauthenticated", reason);
  };

  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      const path = new URL(request.url).pathname;
      const method = /^\/twirp\/livekit\.RoomService\/(\w+)$/.exec(path)?.[1];
      if (request.method !== "POST" || !method || !(method in GRANT_NEEDED))
        return twirpError(404, "bad_route", `no route ${path}`);
      if (!request.headers.get("content-type")?.startsWith("application/json")) return refuse(`${method}: not JSON`);
      const token = /^Bearer (.+)$/.exec(request.headers.get("authorization") ?? "")?.[1];
      if (!token) return refuse(`${method}: no bearer token`);
      let claims: Record<string, any>;
      try {
        claims = await verifier.verify(token);
      } catch (error) {
        return refuse(`${method}: token rejected: ${(error as Error).message}`);
      }
      const body = (await request.json()) as Record<string, unknown>;
      if (!GRANT_NEEDED[method]!(body, claims.video ?? {}))
        return refuse(`${method}: missing grant in ${JSON.stringify(claims.video)}`);
      state.calls.push({ method, body, claims });
      if (method === "CreateRoom") {
        if (state.failCreateRoom) return twirpError(500, "internal", "room service down");
        return Response.json({
          sid: "RM_fake",
          name: body.name,
          emptyTimeout: body.emptyTimeout,
          creationTime: String(Math.floor(Date.now() / 1000)),
        });
      }
      const key = `${String(body.room)}|${String(body.identity)}`;
      if (!state.connected.has(key)) return twirpError(404, "not_found", "participant not found");
      return Response.json({ identity: body.identity, state: "ACTIVE" });
    },
  });

  return {
    url: `ws://127.0.0.1:${server.port}`,
    apiKey,
    apiSecret,
    get calls() {
      return state.calls;
    },
    get refused() {
      return state.refused;
    },
    get connected() {
      return state.connected;
    },
    get failCreateRoom() {
      return state.failCreateRoom;
    },
    set failCreateRoom(value: boolean) {
      state.failCreateRoom = value;
    },
    async signWebhook(event, secret = apiSecret) {
      const body = JSON.stringify({
        id: `EV_${crypto.randomUUID()}`,
        createdAt: String(Math.floor(Date.now() / 1000)),
        ...event,
      });
      const token = new AccessToken(apiKey, secret, { ttl: "5m" });
      token.sha256 = createHash("sha256").update(body).digest("base64");
      return { body, authorization: await token.toJwt() };
    },
    stop: closeAfterUse(() => server.stop(true)),
  };
}
