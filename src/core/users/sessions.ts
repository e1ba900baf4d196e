/**
 * Access and refresh tokens: long random values handed to clients, stored only as sha256
 * hashes. Authentication turns a token into a Requester, through an in-memory cache that
 * every revocation updates (token-cache.ts); last-seen data is kept in memory and written
 * in batches so that a request does not cost a database write.
 * https://spec.matrix.org/v1.19/client-server-api/#client-authentication
 */
import { createHash, randomBytes } from "node:crypto";
import type { Config } from "../../config.ts";
import { MatrixError } from "../../errors.ts";
import type { Stores } from "../../storage/index.ts";
import type { Clock } from "../clock.ts";
import type { Requester } from "../requester.ts";
import { createTokenCache, type CachedToken } from "./token-cache.ts";

/** Resolves tokens that are not access tokens (application services' as_tokens), with the request's query. */
export type TokenResolver = (tokenHash: Uint8Array, query: URLSearchParams) => Requester | undefined;

/** What login, registration and /refresh hand to the client. */
export interface IssuedTokens {
  access_token: string;
  refresh_token?: string;
  expires_in_ms?: number;
}

/** The client's address, or how to find it: looked up only when last-seen data needs it. */
export type ClientIp = string | null | (() => string | null);

/** How often a device's last-seen IP is looked up again while it keeps making requests. */
const LAST_SEEN_IP_INTERVAL_MS = 1_000;

export function hashToken(token: string): Uint8Array {
  return new Uint8Array(createHash("sha256").update(token).digest());
}

/** 32 random bytes: far beyond guessing, URL-safe so it survives the access_token query parameter. */
export function generateToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString("base64url")}`;
}

/** The token cache's key: the sha256, as a string. */
const cacheKeyOf = (token: string): string => Bun.SHA256.hash(token, "base64");

const unknownToken = () =>
  new MatrixError("M_UNKNOWN_TOKEN", "Unknown or revoked access token", { soft_logout: false });

export function createSessions(
  stores: Pick<Stores, "accessTokens" | "refreshTokens" | "devices" | "transaction">,
  clock: Clock,
  refreshableLifetimeMs: number,
  ipSource: Config["ip_source"],
  /** Resolves application services' as_tokens (core/appservices/identity-assertion.ts). */
  appserviceTokens: TokenResolver = () => undefined,
) {
  const lastSeen = new Map<
    string,
    { user_id: string; device_id: string; ts: number; ip: string | null; ip_ts: number }
  >();
  const cache = createTokenCache(clock, () => stores.accessTokens.selectDataVersion());
  const lastSeenKey = (userId: string, deviceId: string) => `${userId}\u0000${deviceId}`;

  /** The token's row from the database, cached; throws M_UNKNOWN_TOKEN for unknown tokens and deactivated users. */
  function load(token: string, key: string): CachedToken {
    const row = stores.accessTokens.selectByHash(hashToken(token));
    if (!row || row.deactivated) throw unknownToken();
    const requester: Requester = Object.freeze({
      user_id: row.user_id,
      device_id: row.device_id,
      is_guest: row.is_guest === 1,
    });
    const entry: CachedToken = {
      requester,
      expires_ts: row.expires_ts,
      refresh_token_hash: row.refresh_token_hash,
      previous_refresh_hash: row.previous_refresh_hash,
      last_seen_key: lastSeenKey(row.user_id, row.device_id),
      loaded_ts: clock.now(),
    };
    cache.set(key, entry);
    return entry;
  }

  function noteLastSeen(entry: CachedToken, now: number, ip: ClientIp): void {
    const seen = lastSeen.get(entry.last_seen_key);
    if (seen === undefined) {
      const { user_id, device_id } = entry.requester;
      lastSeen.set(entry.last_seen_key, {
        user_id,
        device_id,
        ts: now,
        ip: typeof ip === "function" ? ip() : ip,
        ip_ts: now,
      });
      return;
    }
    seen.ts = now;
    if (now - seen.ip_ts >= LAST_SEEN_IP_INTERVAL_MS || typeof ip !== "function") {
      seen.ip = typeof ip === "function" ? ip() : ip;
      seen.ip_ts = now;
    }
  }

  /** A refresh token and the access token that goes with it, `previous` being the refresh token it replaces. */
  function issueRefreshable(userId: string, deviceId: string, previous: Uint8Array | null): IssuedTokens {
    const now = clock.now();
    const refreshToken = generateToken("mar");
    const refreshHash = hashToken(refreshToken);
    const accessToken = generateToken("mat");
    stores.refreshTokens.insertToken(refreshHash, userId, deviceId, previous, now);
    stores.accessTokens.insertToken(
      hashToken(accessToken),
      userId,
      deviceId,
      now + refreshableLifetimeMs,
      now,
      refreshHash,
    );
    return { access_token: accessToken, refresh_token: refreshToken, expires_in_ms: refreshableLifetimeMs };
  }

  const sessions = {
    /** Which address is the client's ([global] ip_source): the API reads it for last-seen data and rate limits. */
    ipSource,

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
      cache.forgetDevices(userId, [deviceId]);
    },

    /**
     * Resolves a token to its user and device, or throws M_UNKNOWN_TOKEN. An application
     * service's as_token is recognised first, and `query` (user_id, device_id) says whom it
     * acts as. The Requester is shared by every request with the token: read it, never change it.
     */
    authenticate(token: string, ip: ClientIp = null, query: URLSearchParams = new URLSearchParams()): Requester {
      const appservice = appserviceTokens(hashToken(token), query);
      if (appservice) return appservice;
      const key = cacheKeyOf(token);
      const entry = cache.get(key) ?? load(token, key);
      const now = clock.now();
      if (entry.expires_ts !== null && entry.expires_ts <= now) {
        // An expired token can be refreshed, so the client keeps its session: soft logout.
        throw new MatrixError("M_UNKNOWN_TOKEN", "Access token has expired", { soft_logout: true });
      }
      if (entry.previous_refresh_hash && entry.refresh_token_hash) {
        // First use of a refreshed access token: the refresh token it replaced is now spent.
        const { previous_refresh_hash: previous, refresh_token_hash: current } = entry;
        stores.transaction(() => {
          stores.refreshTokens.deleteByHash(previous);
          stores.refreshTokens.clearPrevious(current);
        });
        entry.previous_refresh_hash = null;
      }
      noteLastSeen(entry, now, ip);
      return entry.requester;
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
        if (!row)
          throw new MatrixError("M_UNKNOWN_TOKEN", "Unknown or already used refresh token", { soft_logout: false });
        if (row.previous_hash) stores.refreshTokens.deleteByHash(row.previous_hash);
        stores.refreshTokens.clearPrevious(hash);
        stores.accessTokens.deleteByRefreshToken(hash);
        // A retried refresh supersedes the tokens an earlier, lost response carried.
        stores.refreshTokens.deleteByPrevious(hash);
        cache.forgetDevices(row.user_id, [row.device_id]);
        return issueRefreshable(row.user_id, row.device_id, hash);
      });
    },

    revokeAccessToken(token: string): void {
      stores.accessTokens.deleteByHash(hashToken(token));
      cache.forgetToken(cacheKeyOf(token));
    },

    /** Call where devices die (their tokens cascade with them): their cached tokens go too. */
    forgetDevices: cache.forgetDevices,

    /** Call when what authentication reads about a user changes (guest upgrade). */
    forgetUser: cache.forgetUser,

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
      return lastSeen.get(lastSeenKey(userId, deviceId));
    },
  };
  return sessions;
}

export type Sessions = ReturnType<typeof createSessions>;
