/**
 * User-interactive authentication (UIA), the one piece every endpoint that needs it uses:
 * registration, device deletion, password change, deactivation, later cross-signing.
 *
 * An endpoint offers flows (lists of stages). Sessions live in SQLite with an expiry and
 * are bound to one action and one user, so a session completed for one request cannot
 * authorise another. A completed stage is remembered in its session; the session is
 * deleted in the transaction of the write it authorised.
 * https://spec.matrix.org/v1.19/client-server-api/#user-interactive-authentication-api
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Config } from "../../config.ts";
import { MatrixError, UserInteractiveAuthRequired, type Errcode } from "../../errors.ts";
import type { Stores } from "../../storage/index.ts";
import type { Clock } from "../clock.ts";
import type { RateLimiter } from "../rate-limits.ts";
import type { Accounts } from "./accounts.ts";
import { passwordLoginUser, type PasswordCredentials } from "./login-identifier.ts";

export type Stage = "m.login.password" | "m.login.dummy" | "m.login.registration_token";

/** The `auth` object of a request body. */
export interface AuthData {
  type?: string;
  session?: string;
  [key: string]: unknown;
}

export interface UiaRequest {
  /** What is being authorised, e.g. "register" or "delete_devices"; a session serves one action. */
  action: string;
  flows: Stage[][];
  /** The authenticated user, whose password m.login.password checks; absent at registration. */
  userId?: string;
  auth: AuthData | undefined;
  ip: string | null;
}

const SESSION_LIFETIME_MS = 24 * 3600 * 1000;

class StageFailed extends Error {
  constructor(
    readonly errcode: Errcode,
    message: string,
  ) {
    super(message);
  }
}

/** Compares secrets in constant time, whatever their lengths. */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash("sha256").update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export function createUserInteractiveAuth(
  stores: Pick<Stores, "uiaSessions">,
  accounts: Accounts,
  loginLimiter: RateLimiter,
  config: Pick<Config, "registration_token">,
  clock: Clock,
) {
  function openSession(request: UiaRequest): { session: string; completed: string[] } {
    const sessionId = request.auth?.session;
    const now = clock.now();
    if (sessionId === undefined) {
      stores.uiaSessions.deleteExpired(now);
      const session = randomBytes(18).toString("base64url");
      stores.uiaSessions.insertSession(session, request.action, request.userId ?? null, now, now + SESSION_LIFETIME_MS);
      return { session, completed: [] };
    }
    const row = typeof sessionId === "string" ? stores.uiaSessions.selectSession(sessionId) : null;
    if (!row || row.expires_ts <= now || row.action !== request.action || row.user_id !== (request.userId ?? null)) {
      throw new MatrixError("M_UNKNOWN", "Unknown or expired user-interactive auth session");
    }
    return { session: row.session_id, completed: JSON.parse(row.completed) as string[] };
  }

  async function attemptStage(stage: Stage, request: UiaRequest): Promise<void> {
    const auth = request.auth ?? {};
    switch (stage) {
      case "m.login.dummy":
        return;
      case "m.login.registration_token": {
        const expected = config.registration_token;
        if (typeof auth.token !== "string" || expected === undefined || !sameSecret(auth.token, expected)) {
          throw new StageFailed("M_UNAUTHORIZED", "Invalid registration token");
        }
        return;
      }
      case "m.login.password": {
        const userId = passwordLoginUser(auth as PasswordCredentials, accounts);
        if (userId === undefined || userId !== request.userId)
          throw new StageFailed("M_FORBIDDEN", "The identifier does not name the logged-in user");
        loginLimiter.take(`ip:${request.ip ?? "unknown"}`, `user:${userId}`);
        if (typeof auth.password !== "string" || !(await accounts.verifyPassword(userId, auth.password))) {
          throw new StageFailed("M_FORBIDDEN", "Invalid password");
        }
        return;
      }
    }
  }

  /** The flow's next stage after `completed`, if `completed` is a prefix of it. */
  const nextStage = (flow: Stage[], completed: string[]) =>
    completed.every((s, i) => flow[i] === s) ? flow[completed.length] : undefined;
  const isComplete = (flows: Stage[][], completed: string[]) =>
    flows.some((flow) => flow.length <= completed.length && flow.every((s, i) => completed[i] === s));

  return {
    /**
     * Resolves with the session id once a flow is complete; otherwise throws the 401 that
     * tells the client what is left. Call `complete` inside the authorised write.
     */
    async authenticate(request: UiaRequest): Promise<string> {
      const { session, completed } = openSession(request);
      const type = request.auth?.type;
      let failure: { errcode: Errcode; error: string } | undefined;
      // A stage that is already done is not run again (the spec forbids retrying it).
      if (typeof type === "string" && !completed.includes(type)) {
        const offered = request.flows.some((flow) => nextStage(flow, completed) === type);
        if (!offered) {
          failure = { errcode: "M_UNRECOGNIZED", error: `${type} is not the next stage of any flow offered here` };
        } else {
          try {
            await attemptStage(type as Stage, request);
            completed.push(type);
            stores.uiaSessions.updateCompleted(session, completed);
          } catch (error) {
            if (!(error instanceof StageFailed)) throw error;
            failure = { errcode: error.errcode, error: error.message };
          }
        }
      }
      if (!failure && isComplete(request.flows, completed)) return session;
      throw new UserInteractiveAuthRequired(
        { flows: request.flows.map((stages) => ({ stages })), params: {}, session, completed },
        failure,
      );
    },

    /**
     * Ends a session whose authorised action succeeded: it cannot authorise another. Call
     * it inside the action's transaction: of two concurrent requests on one session, the
     * second finds it gone and rolls back.
     */
    complete(session: string): void {
      if (stores.uiaSessions.deleteSession(session).changes === 0) {
        throw new MatrixError("M_UNKNOWN", "Unknown or expired user-interactive auth session");
      }
    },
  };
}

export type UserInteractiveAuth = ReturnType<typeof createUserInteractiveAuth>;
