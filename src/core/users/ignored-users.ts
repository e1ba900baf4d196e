/**
 * The users someone ignores: the keys of `ignored_users` in their m.ignored_user_list
 * account data. https://spec.matrix.org/v1.19/client-server-api/#ignoring-users
 */
import { EventType } from "../../matrix/event-types.ts";
import { GLOBAL_ROOM } from "../../storage/account-data.ts";
import type { Stores } from "../../storage/index.ts";

export function ignoredUsersOf(stores: Pick<Stores, "accountData">, userId: string): string[] {
  const json = stores.accountData.selectContent(userId, GLOBAL_ROOM, EventType.IgnoredUserList);
  if (json === undefined) return [];
  try {
    const ignored = (JSON.parse(json) as { ignored_users?: unknown }).ignored_users;
    return typeof ignored === "object" && ignored !== null && !Array.isArray(ignored) ? Object.keys(ignored) : [];
  } catch {
    return [];
  }
}
