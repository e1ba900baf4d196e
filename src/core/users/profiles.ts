/**
 * Profiles: displayname, avatar_url, m.tz and custom fields, each stored as JSON.
 * A change to a field is signalled after it is written (profileChanged): the rooms send
 * the updated m.room.member events from there.
 * https://spec.matrix.org/v1.19/client-server-api/#profiles
 */
import { forbidden, MatrixError, notFound } from "../../errors.ts";
import { tryParseUserId } from "../../matrix/ids.ts";
import type { Stores } from "../../storage/index.ts";
import type { Requester } from "../requester.ts";
import type { Signal } from "../signal.ts";

export const DISPLAYNAME = "displayname";
export const AVATAR_URL = "avatar_url";

const MAX_PROFILE_BYTES = 64 * 1024;
const MAX_KEY_BYTES = 255;
const MAX_DISPLAYNAME_LENGTH = 256;

/** Asks the application services whether an unknown local user exists (they may create it meanwhile). */
export type UserQuery = (userId: string) => Promise<boolean>;

export function createProfiles(
  stores: Pick<Stores, "profiles" | "accounts" | "transaction">,
  serverName: string,
  /** Emitted after a field changed; `value` is undefined when the field was removed. */
  changed: Pick<Signal<{ user_id: string; field: string; value: unknown }>, "emit">,
  queryUserExists: UserQuery = async () => false,
) {
  /**
   * Only active local users have a profile; remote profiles need federation, which comes
   * later. An unknown user in an appservice namespace is asked about first.
   */
  async function requireProfileOwner(userId: string): Promise<void> {
    const parsed = tryParseUserId(userId);
    if (!parsed) throw new MatrixError("M_INVALID_PARAM", "Invalid user id");
    if (parsed.serverName !== serverName) throw notFound("Profile not found");
    let user = stores.accounts.selectUser(userId);
    if (!user && (await queryUserExists(userId))) user = stores.accounts.selectUser(userId);
    if (!user || user.deactivated) throw notFound("Profile not found");
  }

  function requireWritable(requester: Requester, userId: string, field: string): void {
    if (requester.user_id !== userId) throw forbidden("You cannot change another user's profile");
    // Guests may only change their display name: https://spec.matrix.org/v1.19/client-server-api/#client-behaviour-14
    if (requester.is_guest && field !== DISPLAYNAME)
      throw new MatrixError("M_GUEST_ACCESS_FORBIDDEN", "Guests may only change their display name");
    if (Buffer.byteLength(field) > MAX_KEY_BYTES)
      throw new MatrixError("M_KEY_TOO_LARGE", `Profile keys are limited to ${MAX_KEY_BYTES} bytes`);
  }

  /** The stored value for `field`, or undefined when the field is to be removed ("" clears the display name and avatar). */
  function normalizedValue(field: string, value: unknown): unknown {
    if (field === DISPLAYNAME || field === AVATAR_URL || field === "m.tz") {
      if (typeof value !== "string") throw new MatrixError("M_INVALID_PARAM", `${field} must be a string`);
      if (field === DISPLAYNAME && value.length > MAX_DISPLAYNAME_LENGTH) {
        throw new MatrixError("M_INVALID_PARAM", `displayname is longer than ${MAX_DISPLAYNAME_LENGTH} characters`);
      }
      if (field === AVATAR_URL && value !== "" && !value.startsWith("mxc://"))
        throw new MatrixError("M_INVALID_PARAM", "avatar_url must be an mxc:// URI");
      if (value === "" && field !== "m.tz") return undefined;
    }
    return value;
  }

  function notify(userId: string, field: string, value: unknown): void {
    changed.emit({ user_id: userId, field, value });
  }

  const profiles = {
    async getProfile(userId: string): Promise<Record<string, unknown>> {
      await requireProfileOwner(userId);
      return Object.fromEntries(
        stores.profiles.selectFields(userId).map((row) => [row.field, JSON.parse(row.value) as unknown]),
      );
    },

    async getField(userId: string, field: string): Promise<Record<string, unknown>> {
      await requireProfileOwner(userId);
      const row = stores.profiles.selectField(userId, field);
      if (!row) throw notFound(`The profile has no ${field}`);
      return { [field]: JSON.parse(row.value) as unknown };
    },

    /** PUT /profile/{userId}/{keyName} with `body[field]` as the new value. */
    setField(requester: Requester, userId: string, field: string, body: Record<string, unknown>): void {
      requireWritable(requester, userId, field);
      if (!(field in body)) throw new MatrixError("M_MISSING_PARAM", `The body must contain '${field}'`);
      const value = normalizedValue(field, body[field]);
      if (value === undefined) return profiles.deleteField(requester, userId, field);
      const json = JSON.stringify(value);
      stores.transaction(() => {
        const others = stores.profiles.selectSizeWithout(userId, field);
        if (others + Buffer.byteLength(field) + Buffer.byteLength(json) + 4 > MAX_PROFILE_BYTES) {
          throw new MatrixError("M_PROFILE_TOO_LARGE", "The profile would be larger than 64 KiB");
        }
        stores.profiles.upsertField(userId, field, json);
      });
      notify(userId, field, value);
    },

    deleteField(requester: Requester, userId: string, field: string): void {
      requireWritable(requester, userId, field);
      if (stores.profiles.deleteField(userId, field).changes > 0) notify(userId, field, undefined);
    },

    /** At registration, in the caller's transaction: nobody has seen the profile yet. */
    setInitialDisplayName(userId: string, displayName: string): void {
      stores.profiles.upsertField(userId, DISPLAYNAME, JSON.stringify(displayName));
    },

    /** At deactivation, in the caller's transaction. */
    deleteAll(userId: string): void {
      stores.profiles.deleteFields(userId);
    },

    /** The display name and avatar for membership events (undefined fields are unset). */
    memberProfile(userId: string): { displayname?: string; avatar_url?: string } {
      const read = (field: string) => {
        const row = stores.profiles.selectField(userId, field);
        const value = row ? (JSON.parse(row.value) as unknown) : undefined;
        return typeof value === "string" ? value : undefined;
      };
      const displayname = read(DISPLAYNAME);
      const avatarUrl = read(AVATAR_URL);
      return {
        ...(displayname !== undefined ? { displayname } : {}),
        ...(avatarUrl !== undefined ? { avatar_url: avatarUrl } : {}),
      };
    },
  };
  return profiles;
}

export type Profiles = ReturnType<typeof createProfiles>;
