/**
 * Local accounts: creation, passwords and deactivation. Registration (UIA, tokens, guests)
 * and the operator CLI build on this.
 */
import { MatrixError } from "../../errors.ts";
import { isValidNewLocalpart, MAX_IDENTIFIER_BYTES, tryParseUserId } from "../../matrix/ids.ts";
import type { Stores } from "../../storage/index.ts";
import type { Clock } from "../clock.ts";
import type { Signal } from "../signal.ts";
import type { Devices } from "./devices.ts";
import type { Profiles } from "./profiles.ts";

/** Long enough for any passphrase; argon2 of megabytes would be a cheap way to burn our CPU. */
export const MAX_PASSWORD_LENGTH = 1024;

export interface NewUser {
  user_id: string;
  password_hash: string | null;
  is_admin: boolean;
  is_guest: boolean;
  appservice_id: string | null;
}

export function createAccounts(
  stores: Pick<Stores, "accounts" | "devices" | "accountData" | "filters" | "transaction">,
  serverName: string,
  clock: Clock,
  devices: Devices,
  profiles: Profiles,
  /** Emitted after an account was deactivated: its rooms, delayed events and pushers go. */
  deactivated: Pick<Signal<string>, "emit">,
) {
  async function hashPassword(password: string): Promise<string> {
    if (password.length > MAX_PASSWORD_LENGTH)
      throw new MatrixError("M_INVALID_PARAM", `Passwords are limited to ${MAX_PASSWORD_LENGTH} characters`);
    if (password === "") throw new MatrixError("M_WEAK_PASSWORD", "The password must not be empty");
    return Bun.password.hash(password, { algorithm: "argon2id" });
  }

  const accounts = {
    userIdOf(localpart: string): string {
      return `@${localpart}:${serverName}`;
    },

    /** "alice", "Alice" or "@alice:server" → "@alice:server"; undefined for other servers or nonsense. */
    localUserId(identifier: string): string | undefined {
      const parsed = tryParseUserId(identifier.startsWith("@") ? identifier : `@${identifier}:${serverName}`);
      if (!parsed || parsed.serverName !== serverName) return undefined;
      // New localparts are lower-case, so "Alice" can only mean @alice.
      return `@${parsed.localpart.toLowerCase()}:${serverName}`;
    },

    exists(userId: string): boolean {
      return stores.accounts.selectUser(userId) !== null;
    },

    isDeactivated(userId: string): boolean {
      return stores.accounts.selectUser(userId)?.deactivated === 1;
    },

    /** Whether anyone could log in yet: an operator who left registration closed needs a first account. */
    hasPeople(): boolean {
      return stores.accounts.countPeople() > 0;
    },

    /** Every account, for the operator CLI. */
    list() {
      return stores.accounts.selectUsers();
    },

    /** Throws M_INVALID_USERNAME or M_USER_IN_USE unless `localpart` can be registered now. */
    checkNewLocalpart(localpart: string): string {
      if (!isValidNewLocalpart(localpart)) {
        throw new MatrixError(
          "M_INVALID_USERNAME",
          "User ID may only contain a-z, 0-9, and the characters . _ = - / +",
        );
      }
      const userId = accounts.userIdOf(localpart);
      if (Buffer.byteLength(userId) > MAX_IDENTIFIER_BYTES)
        throw new MatrixError("M_INVALID_USERNAME", `User ID is longer than ${MAX_IDENTIFIER_BYTES} bytes`);
      if (stores.accounts.selectUser(userId)) throw new MatrixError("M_USER_IN_USE", "User ID already taken");
      return userId;
    },

    /** Validates the localpart and hashes the password: the slow half of creating a user. */
    async prepareUser(
      localpart: string,
      password: string | null,
      options: { admin?: boolean; guest?: boolean; appserviceId?: string } = {},
    ): Promise<NewUser> {
      const userId = accounts.checkNewLocalpart(localpart);
      return {
        user_id: userId,
        password_hash: password === null ? null : await hashPassword(password),
        is_admin: options.admin ?? false,
        is_guest: options.guest ?? false,
        appservice_id: options.appserviceId ?? null,
      };
    },

    /**
     * Writes a prepared user with its default display name (the localpart). Synchronous, for
     * the caller's transaction; the in-use check is repeated because the hash was awaited.
     */
    insertUser(user: NewUser): void {
      if (stores.accounts.selectUser(user.user_id)) throw new MatrixError("M_USER_IN_USE", "User ID already taken");
      stores.accounts.insertUser({ ...user, created_ts: clock.now() });
      profiles.setInitialDisplayName(user.user_id, tryParseUserId(user.user_id)!.localpart);
    },

    /** Creates a local account; the password (if any) is hashed with argon2id. */
    async createUser(
      localpart: string,
      password: string | null,
      options: { admin?: boolean; guest?: boolean; appserviceId?: string } = {},
    ): Promise<string> {
      const user = await accounts.prepareUser(localpart, password, options);
      stores.transaction(() => accounts.insertUser(user));
      return user.user_id;
    },

    hashPassword,

    async setPassword(userId: string, password: string): Promise<void> {
      stores.accounts.updatePasswordHash(userId, await hashPassword(password));
    },

    /** Checks a password in constant time relative to whether the user exists. */
    async verifyPassword(userId: string, password: string): Promise<boolean> {
      const user = stores.accounts.selectUser(userId);
      if (!user?.password_hash || user.deactivated || password.length > MAX_PASSWORD_LENGTH) {
        await Bun.password.verify(password.slice(0, MAX_PASSWORD_LENGTH), await dummyHash());
        return false;
      }
      return Bun.password.verify(password, user.password_hash);
    },

    hasPassword(userId: string): boolean {
      return Boolean(stores.accounts.selectUser(userId)?.password_hash);
    },

    /**
     * Deactivates the account: no password, no devices or tokens, no profile; with `erase`
     * also no account data or filters. The user id stays taken for good.
     */
    deactivate(userId: string, options: { erase?: boolean; within?: () => void } = {}): void {
      const deletedDevices = stores.transaction(() => {
        stores.accounts.updateDeactivated(userId);
        const deleted = devices.deleteRows(userId, stores.devices.selectDeviceIdsExcept(userId, ""));
        profiles.deleteAll(userId);
        if (options.erase) {
          stores.accountData.deleteByUser(userId);
          stores.filters.deleteByUser(userId);
        }
        options.within?.();
        return deleted;
      });
      devices.notifyDeleted(userId, deletedDevices);
      deactivated.emit(userId);
    },
  };
  return accounts;
}

// Failed logins for unknown users verify against this hash so they take as long as for known ones.
// module-state: computed once per process (it costs one password hash); any random hash will do.
let dummy: Promise<string> | undefined;
const dummyHash = () => (dummy ??= Bun.password.hash(crypto.randomUUID(), { algorithm: "argon2id" }));

export type Accounts = ReturnType<typeof createAccounts>;
