/**
 * Account creation and passwords. Registration flows (UIA, tokens, guests) build on this.
 */
import { MatrixError } from "../../errors.ts";
import type { Stores } from "../../storage/index.ts";
import type { Clock } from "../clock.ts";

/** The localpart grammar for new accounts: https://spec.matrix.org/v1.19/appendices/#user-identifiers */
const NEW_LOCALPART = /^[a-z0-9._=\-/+]+$/;

export function createAccounts(stores: Pick<Stores, "accounts" | "transaction">, serverName: string, clock: Clock) {
  return {
    userIdOf(localpart: string): string {
      return `@${localpart}:${serverName}`;
    },

    /** Creates a local account; the password (if any) is hashed with argon2id. */
    async createUser(localpart: string, password: string | null, options: { admin?: boolean; guest?: boolean; appserviceId?: string } = {}) {
      if (!NEW_LOCALPART.test(localpart)) {
        throw new MatrixError("M_INVALID_USERNAME", "User ID may only contain a-z, 0-9, and the characters . _ = - / +");
      }
      const userId = `@${localpart}:${serverName}`;
      if (new TextEncoder().encode(userId).length > 255) throw new MatrixError("M_INVALID_USERNAME", "User ID is longer than 255 bytes");
      const passwordHash = password === null ? null : await Bun.password.hash(password, { algorithm: "argon2id" });
      // Checked after the await so that two concurrent registrations cannot both pass.
      if (stores.accounts.selectUser(userId)) throw new MatrixError("M_USER_IN_USE", "User ID already taken");
      stores.accounts.insertUser({
        user_id: userId,
        password_hash: passwordHash,
        is_admin: options.admin ?? false,
        is_guest: options.guest ?? false,
        appservice_id: options.appserviceId ?? null,
        created_ts: clock.now(),
      });
      return userId;
    },

    async setPassword(userId: string, password: string): Promise<void> {
      stores.accounts.updatePasswordHash(userId, await Bun.password.hash(password, { algorithm: "argon2id" }));
    },

    /** Checks a password in constant time relative to whether the user exists. */
    async verifyPassword(userId: string, password: string): Promise<boolean> {
      const user = stores.accounts.selectUser(userId);
      if (!user?.password_hash || user.deactivated) {
        await Bun.password.verify(password, await dummyHash());
        return false;
      }
      return Bun.password.verify(password, user.password_hash);
    },
  };
}

// Failed logins for unknown users verify against this hash so they take as long as for known ones.
let dummy: Promise<string> | undefined;
const dummyHash = () => (dummy ??= Bun.password.hash(crypto.randomUUID(), { algorithm: "argon2id" }));

export type Accounts = ReturnType<typeof createAccounts>;
