/**
 * TURN credentials for VoIP clients (legacy 1:1 calls, full-mesh Element Call; matrix-js-sdk
 * polls for them every 10 minutes). With a shared secret they follow the TURN REST API
 * scheme that coturn checks under `use-auth-secret`: the username is
 * `<expiry unix seconds>:<user id>` and the password is base64(HMAC-SHA1(secret, username)),
 * so coturn can verify them without asking us.
 * https://spec.matrix.org/v1.19/client-server-api/#get_matrixclientv3voipturnserver
 * https://datatracker.ietf.org/doc/html/draft-uberti-behave-turn-rest-00
 */
import { createHmac } from "node:crypto";
import type { Config } from "../../config.ts";
import { MatrixError } from "../../errors.ts";
import type { Clock } from "../clock.ts";
import type { Requester } from "../requester.ts";

export interface TurnServer {
  username: string;
  password: string;
  uris: string[];
  ttl: number;
}

interface TurnSettings {
  uris: readonly string[];
  secret: string;
  username: string;
  password: string;
  ttl: number;
}

type TurnConfig = Pick<
  Config,
  "turn" | "turn_uris" | "turn_secret" | "turn_username" | "turn_password" | "turn_ttl" | "turn_allow_guests"
>;

/** `[global.turn]`, when present, replaces the flat `turn_*` keys as a whole (Conduit's rule). */
export function turnSettings(config: TurnConfig): TurnSettings {
  if (config.turn) return config.turn;
  return {
    uris: config.turn_uris,
    secret: config.turn_secret,
    username: config.turn_username,
    password: config.turn_password,
    ttl: config.turn_ttl,
  };
}

/** coturn's password for a REST API username: standard, padded base64 of the HMAC-SHA1. */
export function turnRestPassword(secret: string, username: string): string {
  return createHmac("sha1", secret).update(username).digest("base64");
}

export function createTurnCredentials(config: TurnConfig, clock: Clock) {
  const settings = turnSettings(config);

  return {
    /**
     * The credentials for one user, or `{}` when no TURN server is configured (as Synapse
     * answers). Guests are refused unless turn_allow_guests: the spec's guest module does
     * not list this endpoint, and Synapse answers 403 M_GUEST_ACCESS_FORBIDDEN.
     */
    issueTurnCredentials(requester: Requester): TurnServer | Record<string, never> {
      if (requester.is_guest && !config.turn_allow_guests) {
        throw new MatrixError("M_GUEST_ACCESS_FORBIDDEN", "Guests may not fetch TURN credentials on this server");
      }
      const uris = [...settings.uris];
      if (uris.length === 0) return {};
      if (settings.secret) {
        const expiry = Math.floor(clock.now() / 1000) + settings.ttl;
        const username = `${expiry}:${requester.user_id}`;
        return { username, password: turnRestPassword(settings.secret, username), uris, ttl: settings.ttl };
      }
      if (settings.username && settings.password) {
        return { username: settings.username, password: settings.password, uris, ttl: settings.ttl };
      }
      return {};
    },
  };
}

export type TurnCredentials = ReturnType<typeof createTurnCredentials>;
