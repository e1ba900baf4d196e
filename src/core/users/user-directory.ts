/**
 * POST /user_directory/search.
 *
 * The spec requires at least the users who share a room with the searcher or sit in
 * public (or world-readable) rooms. Rooms do not exist yet, so for now the search covers
 * every active, non-guest local user by user id and display name. The seam for rooms is
 * `isVisible`: the rooms issue passes a predicate that keeps only users visible to the
 * searcher, and the search over-fetches to fill the page after that filtering.
 * https://spec.matrix.org/v1.19/client-server-api/#user-directory
 */
import type { Stores } from "../../storage/index.ts";
import type { Requester } from "./sessions.ts";

export interface DirectoryUser {
  user_id: string;
  display_name?: string;
  avatar_url?: string;
}

export type VisibilityCheck = (searcher: string, userId: string) => boolean;

const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 100;

export function createUserDirectory(stores: Pick<Stores, "userDirectory">, isVisible: VisibilityCheck = () => true) {
  return {
    search(requester: Requester, searchTerm: string, requestedLimit = DEFAULT_LIMIT): { results: DirectoryUser[]; limited: boolean } {
      const term = searchTerm.trim();
      const limit = Math.min(Math.max(requestedLimit, 0), MAX_LIMIT);
      if (term === "" || limit === 0) return { results: [], limited: false };
      const rows = stores.userDirectory
        .searchLocalUsers(term, (limit + 1) * 2)
        .filter((row) => isVisible(requester.user_id, row.user_id));
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
