/**
 * Access tokens: long random values handed to clients, stored only as sha256 hashes.
 * Authentication turns a token into a Requester; last-seen data is kept in memory and
 * written in batches so that a request does not cost a database write.
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
}

export function hashToken(token: string): Uint8Array {
  return new Uint8Array(createHash("sha256").update(token).digest());
}

/** 32 random bytes: far beyond guessing, URL-safe so it survives the access_token query parameter. */
export function generateToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString("base64url")}`;
}

export function createSessions(stores: Pick<Stores, "accounts" | "accessTokens" | "devices" | "transaction">, clock: Clock) {
  const lastSeen = new Map<string, { user_id: string; device_id: string; ts: number; ip: string | null }>();

  return {
    issueAccessToken(userId: string, deviceId: string, lifetimeMs?: number): string {
      const token = generateToken("mat");
      const now = clock.now();
      stores.accessTokens.insertToken(hashToken(token), userId, deviceId, lifetimeMs ? now + lifetimeMs : null, now);
      return token;
    },

    /** Resolves a token to its user and device, or throws M_UNKNOWN_TOKEN. */
    authenticate(token: string, ip: string | null = null): Requester {
      const row = stores.accessTokens.selectByHash(hashToken(token));
      if (!row) throw new MatrixError("M_UNKNOWN_TOKEN", "Unknown or revoked access token", { soft_logout: false });
      const now = clock.now();
      if (row.expires_ts !== null && row.expires_ts <= now) {
        // An expired token can be refreshed, so the client keeps its session: soft logout.
        throw new MatrixError("M_UNKNOWN_TOKEN", "Access token has expired", { soft_logout: true });
      }
      const user = stores.accounts.selectUser(row.user_id);
      if (!user || user.deactivated) throw new MatrixError("M_UNKNOWN_TOKEN", "Unknown or revoked access token", { soft_logout: false });
      lastSeen.set(`${row.user_id}\u0000${row.device_id}`, { user_id: row.user_id, device_id: row.device_id, ts: now, ip });
      return { user_id: row.user_id, device_id: row.device_id, is_guest: user.is_guest === 1 };
    },

    revokeAccessToken(token: string): void {
      stores.accessTokens.deleteByHash(hashToken(token));
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
}

export type Sessions = ReturnType<typeof createSessions>;
