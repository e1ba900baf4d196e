/**
 * OpenID tokens: a user proves their identity to a third party (the LiveKit authorization
 * service of Element Call) by handing it a short-lived token, which the third party
 * exchanges for the user id at our /federation/v1/openid/userinfo. The tokens grant
 * nothing else. Like access tokens they are stored only as sha256 hashes.
 * https://spec.matrix.org/v1.19/client-server-api/#openid
 */
import { MatrixError, forbidden } from "../../errors.ts";
import type { Stores } from "../../storage/index.ts";
import type { Clock } from "../clock.ts";
import { generateToken, hashToken } from "./sessions.ts";
import type { Requester } from "../requester.ts";

/** One hour, as Synapse: long enough for a call to start, short enough to be useless if leaked. */
export const OPENID_TOKEN_LIFETIME_MS = 3600 * 1000;

export interface OpenIdToken {
  access_token: string;
  token_type: "Bearer";
  matrix_server_name: string;
  expires_in: number;
}

export function createOpenId(stores: Pick<Stores, "openIdTokens" | "accounts">, serverName: string, clock: Clock) {
  return {
    /** Only for oneself: `userId` is the path parameter and must be the requester. */
    requestOpenIdToken(requester: Requester, userId: string): OpenIdToken {
      if (userId !== requester.user_id) throw forbidden("Cannot request OpenID tokens for other users");
      const token = generateToken("oid");
      const now = clock.now();
      // Expired tokens are swept here rather than on a timer: issuing is rare and the sweep uses an index.
      stores.openIdTokens.deleteExpired(now);
      stores.openIdTokens.insertToken(hashToken(token), requester.user_id, now + OPENID_TOKEN_LIFETIME_MS, now);
      return {
        access_token: token,
        token_type: "Bearer",
        matrix_server_name: serverName,
        expires_in: OPENID_TOKEN_LIFETIME_MS / 1000,
      };
    },

    /** The user behind a token, or 401 M_UNKNOWN_TOKEN when it is unknown, expired or its user deactivated. */
    openIdUserInfo(token: string): { sub: string } {
      const row = stores.openIdTokens.selectByHash(hashToken(token));
      const user = row && row.expires_ts > clock.now() ? stores.accounts.selectUser(row.user_id) : undefined;
      if (!row || !user || user.deactivated)
        throw new MatrixError("M_UNKNOWN_TOKEN", "OpenID token is not recognized or has expired");
      return { sub: row.user_id };
    },
  };
}

export type OpenId = ReturnType<typeof createOpenId>;
