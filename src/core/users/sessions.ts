/**
 * Access and refresh tokens: long random values handed to clients, stored only as sha256
 * hashes. Authentication turns a token into a Requester; last-seen data is kept in memory
 * and written in batches so that a request does not cost a database write.
 * https://spec.matrix.org/v1.19/client-server-api/#client-authentication
 */
import { createHash, randomBytes } from "node:crypto";
import { MatrixError } from "../../errors.ts";
import type { Stores } from "../../storage/index.ts";
import type { Clock } from "../clock.ts";

export interface Requester {
  user_id: string;
  device_id: string;
  is_guest: boolean;
  /** Set when an application service acts (as itself or as one of its users). */
  appservice_id?: string;
  /** True for an application service's sender, and for its users when its registration says `rate_limited: false`. */
  exempt_from_rate_limits?: boolean;
}

/** Resolves tokens that are not access tokens (application services' as_tokens), with the request's query. */
export type TokenResolver = (tokenHash: Uint8Array, query: URLSearchParams) => Requester | undefined;

/** What login, registration and /refresh hand to the client. */
export interface IssuedTokens {
  access_token: string;
  refresh_token?: string;
  expires_in_ms?: number;
}

export function hashToken(token: string): Uint8Array {
  return new Uint8Array(createHash("sha256").update(token).digest());
}

/** 32 random bytes: far beyond guessing, URL-safe so it survives the access_token query parameter. */
export function generateToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString("base64url")}`;
}

const unknownToken = () => new MatrixError("M_UNKNOWN_TOKEN", "Unknown or revoked access token", { soft_logout: false });

export function createSessions(
  stores: Pick<Stores, "accessTokens" | "refreshTokens" | "devices" | "transaction">,
  clock: Clock,
  refreshableLifetimeMs: number,
) {
  const lastSeen = new Map<string, { user_id: string; device_id: string; ts: number; ip: string | null }>();
  let appserviceTokens: TokenResolver | undefined;

  /** A refresh token and the access token that goes with it, `previous` being the refresh token it replaces. */
  function issueRefreshable(userId: string, deviceId: string, previous: Uint8Array | null): IssuedTokens {
    const now = clock.now();
    const refreshToken = generateToken("mar");
    const refreshHash = hashToken(refreshToken);
    const accessToken = generateToken("mat");
    stores.refreshTokens.insertToken(refreshHash, userId, deviceId, previous, now);
    stores.accessTokens.insertToken(hashToken(accessToken), userId, deviceId, now + refreshableLifetimeMs, now, refreshHash);
    return { access_token: accessToken, refresh_token: refreshToken, expires_in_ms: refreshableLifetimeMs };
  }

  const sessions = {
    /** A non-expiring access token for the device. */
    issueAccessToken(userId: string, deviceId: string): string {
      const token = generateToken("mat");
      const now = clock.now();
      stores.accessTokens.insertToken(hashToken(token), userId, deviceId, null, now);
      return token;
    },

    /** Tokens for a login or registration: expiring plus a refresh token when the client supports them. */
    issueTokens(userId: string, deviceId: string, refreshable: boolean): IssuedTokens {
      if (!refreshable) return { access_token: sessions.issueAccessToken(userId, deviceId) };
      return stores.transaction(() => issueRefreshable(userId, deviceId, null));
    },

    /** Revokes every access and refresh token of a device that is being logged into again. */
    revokeDeviceTokens(userId: string, deviceId: string): void {
      stores.transaction(() => {
        stores.accessTokens.deleteByDevice(userId, deviceId);
        stores.refreshTokens.deleteByDevice(userId, deviceId);
      });
    },

    /**
     * Resolves a token to its user and device, or throws M_UNKNOWN_TOKEN. An application
     * service's as_token is recognised first, and `query` (user_id, device_id) says whom it acts as.
     */
    authenticate(token: string, ip: string | null = null, query: URLSearchParams = new URLSearchParams()): Requester {
      const hash = hashToken(token);
      const appservice = appserviceTokens?.(hash, query);
      if (appservice) return appservice;
      const row = stores.accessTokens.selectByHash(hash);
      if (!row || row.deactivated) throw unknownToken();
      const now = clock.now();
      if (row.expires_ts !== null && row.expires_ts <= now) {
        // An expired token can be refreshed, so the client keeps its session: soft logout.
        throw new MatrixError("M_UNKNOWN_TOKEN", "Access token has expired", { soft_logout: true });
      }
      if (row.previous_refresh_hash && row.refresh_token_hash) {
        // First use of a refreshed access token: the refresh token it replaced is now spent.
        const { previous_refresh_hash: previous, refresh_token_hash: current } = row;
        stores.transaction(() => {
          stores.refreshTokens.deleteByHash(previous);
          stores.refreshTokens.clearPrevious(current);
        });
      }
      lastSeen.set(`${row.user_id}\u0000${row.device_id}`, { user_id: row.user_id, device_id: row.device_id, ts: now, ip });
      return { user_id: row.user_id, device_id: row.device_id, is_guest: row.is_guest === 1 };
    },

    /**
     * POST /refresh: a new access token and refresh token for the same device. The old
     * refresh token stays valid until the new tokens are used; its access token dies now.
     * https://spec.matrix.org/v1.19/client-server-api/#refreshing-access-tokens
     */
    refresh(refreshToken: string): IssuedTokens {
      const hash = hashToken(refreshToken);
      return stores.transaction(() => {
        const row = stores.refreshTokens.selectByHash(hash);
        if (!row) throw new MatrixError("M_UNKNOWN_TOKEN", "Unknown or already used refresh token", { soft_logout: false });
        if (row.previous_hash) stores.refreshTokens.deleteByHash(row.previous_hash);
        stores.refreshTokens.clearPrevious(hash);
        stores.accessTokens.deleteByRefreshToken(hash);
        // A retried refresh supersedes the tokens an earlier, lost response carried.
        stores.refreshTokens.deleteByPrevious(hash);
        return issueRefreshable(row.user_id, row.device_id, hash);
      });
    },

    revokeAccessToken(token: string): void {
      stores.accessTokens.deleteByHash(hashToken(token));
    },

    /** Installs the resolver of application services' tokens (core/appservices/identity-assertion.ts). */
    acceptAppserviceTokens(resolver: TokenResolver): void {
      appserviceTokens = resolver;
    },

    /** Writes the last-seen times gathered since the previous flush in one transaction. */
    flushLastSeen(): number {
      if (lastSeen.size === 0) return 0;
      const batch = [...lastSeen.values()];
      lastSeen.clear();
      stores.transaction(() => {
        for (const seen of batch) stores.devices.updateLastSeen(seen.user_id, seen.device_id, seen.ts, seen.ip);
      });
      return batch.length;
    },

    /** The freshest last-seen data, including what has not been flushed yet. */
    pendingLastSeen(userId: string, deviceId: string) {
      return lastSeen.get(`${userId}\u0000${deviceId}`);
    },
  };
  return sessions;
}

export type Sessions = ReturnType<typeof createSessions>;
