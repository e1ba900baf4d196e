/**
 * POST /user_directory/search.
 *
 * The spec requires at least the users visible to the searcher through rooms: those who
 * share a room with them (both joined), and those joined to a room with a `public` join
 * rule or `world_readable` history. We search exactly that set, plus the searcher. A
 * published room counts through its join rule, as in publicRooms: one made invite-only
 * no longer exposes its members. Only local users: there is no federation yet. Visibility
 * and the limit are applied in one SQL statement (storage/user-directory.ts), so a page is
 * never short because of filtering afterwards.
 * https://spec.matrix.org/v1.19/client-server-api/#user-directory
 */
import type { Stores } from "../../storage/index.ts";
import type { Requester } from "../requester.ts";

export interface DirectoryUser {
  user_id: string;
  display_name?: string;
  avatar_url?: string;
}

const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 100;
/**
 * The longest term that can match anyone: user ids are at most 255 bytes and display names
 * at most 256 characters (core/users/profiles.ts). A longer term matches no one, so it is
 * answered without a query; it also keeps the LIKE pattern far below SQLite's 50,000-byte
 * limit ("LIKE or GLOB pattern too complex").
 */
const MAX_SEARCH_TERM_LENGTH = 256;

export function createUserDirectory(stores: Pick<Stores, "userDirectory">) {
  return {
    search(
      requester: Requester,
      searchTerm: string,
      requestedLimit = DEFAULT_LIMIT,
    ): { results: DirectoryUser[]; limited: boolean } {
      const term = searchTerm.trim();
      const limit = Math.min(Math.max(requestedLimit, 0), MAX_LIMIT);
      if (term === "" || term.length > MAX_SEARCH_TERM_LENGTH || limit === 0) return { results: [], limited: false };
      // One row more than the page tells whether there were more.
      const rows = stores.userDirectory.searchVisibleUsers(requester.user_id, term, limit + 1);
      const results = rows.slice(0, limit).map((row) => ({
        user_id: row.user_id,
        ...(row.display_name !== null ? { display_name: row.display_name } : {}),
        ...(row.avatar_url !== null ? { avatar_url: row.avatar_url } : {}),
      }));
      return { results, limited: rows.length > limit };
    },
  };
}

export type UserDirectory = ReturnType<typeof createUserDirectory>;
