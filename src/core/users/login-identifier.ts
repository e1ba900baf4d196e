/**
 * Who a password login (POST /login, or the m.login.password UIA stage) is for: the
 * `identifier` object, or the deprecated top-level `user` field of older clients.
 * https://spec.matrix.org/v1.19/client-server-api/#identifier-types
 */
import { MatrixError } from "../../errors.ts";
import type { Accounts } from "./accounts.ts";

export interface PasswordCredentials {
  identifier?: unknown;
  user?: unknown;
  medium?: unknown;
  address?: unknown;
}

/**
 * The local user id named, or undefined when it names nobody we could know: another
 * server, a malformed id, or a third-party identifier (none are ever bound here).
 */
export function passwordLoginUser(
  credentials: PasswordCredentials,
  accounts: Pick<Accounts, "localUserId">,
): string | undefined {
  const { identifier } = credentials;
  if (identifier !== undefined) {
    if (typeof identifier !== "object" || identifier === null)
      throw new MatrixError("M_BAD_JSON", "identifier must be an object");
    const { type, user } = identifier as { type?: unknown; user?: unknown };
    if (type === "m.id.user") {
      if (typeof user !== "string") throw new MatrixError("M_BAD_JSON", "identifier.user must be a string");
      return accounts.localUserId(user);
    }
    if (type === "m.id.thirdparty" || type === "m.id.phone") return undefined;
    throw new MatrixError("M_UNKNOWN", `Unknown identifier type ${JSON.stringify(type)}`);
  }
  if (typeof credentials.user === "string") return accounts.localUserId(credentials.user);
  if (credentials.medium !== undefined || credentials.address !== undefined) return undefined;
  throw new MatrixError("M_MISSING_PARAM", "Missing identifier");
}
