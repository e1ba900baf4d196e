/**
 * A stand-in for User-Interactive Authentication where e2ee needs it (replacing
 * cross-signing keys): one `m.login.password` stage, checked against the requester's
 * password. Stateless: the `session` handed out is not tracked. To be swapped for the
 * shared UIA piece from the accounts branch when it lands; it has the same shape
 * (requester + the body's `auth` → resolves, or throws the 401 UIA response).
 * https://spec.matrix.org/v1.19/client-server-api/#user-interactive-authentication-api
 */
import { randomBytes } from "node:crypto";
import { MatrixError } from "../../errors.ts";
import type { Accounts } from "../users/accounts.ts";
import type { Requester } from "../users/sessions.ts";

export type ConfirmIdentity = (requester: Requester, auth: unknown) => Promise<void>;

function challenge(errcode: "M_UNAUTHORIZED" | "M_FORBIDDEN", error: string): MatrixError {
  const session = randomBytes(12).toString("base64url");
  return new MatrixError(errcode, error, { flows: [{ stages: ["m.login.password"] }], params: {}, session }, 401);
}

/** The user the `auth` dict names (identifier m.id.user, or the deprecated `user`), if any. */
function namedUser(auth: Record<string, unknown>): string | undefined {
  const identifier = auth.identifier as Record<string, unknown> | undefined;
  if (identifier && identifier.type === "m.id.user" && typeof identifier.user === "string") return identifier.user;
  return typeof auth.user === "string" ? auth.user : undefined;
}

export function createPasswordConfirmation(accounts: Pick<Accounts, "verifyPassword" | "userIdOf">): ConfirmIdentity {
  return async (requester, auth) => {
    if (typeof auth !== "object" || auth === null || (auth as Record<string, unknown>).type !== "m.login.password") {
      throw challenge("M_UNAUTHORIZED", "Confirm your password to continue");
    }
    const body = auth as Record<string, unknown>;
    const user = namedUser(body);
    if (user !== undefined && user !== requester.user_id && accounts.userIdOf(user) !== requester.user_id) {
      throw challenge("M_FORBIDDEN", "The password must be that of the requesting user");
    }
    if (typeof body.password !== "string" || !(await accounts.verifyPassword(requester.user_id, body.password))) {
      throw challenge("M_FORBIDDEN", "Invalid password");
    }
  };
}
