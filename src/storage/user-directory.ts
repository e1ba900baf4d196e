import type { Database } from "bun:sqlite";

export interface DirectoryEntryRow {
  user_id: string;
  display_name: string | null;
  avatar_url: string | null;
}

/** Searches local, active, non-guest users by user id and display name, case-insensitively. */
export function createUserDirectoryStore(db: Database) {
  // `term` is matched as a substring; prefix matches of the localpart or display name rank first.
  const searchLocalUsers = db.query<DirectoryEntryRow, { term: string; prefix: string; localpartPrefix: string; limit: number }>(
    `SELECT u.user_id, dn.value ->> '$' AS display_name, av.value ->> '$' AS avatar_url
       FROM users u
       LEFT JOIN profile_fields dn ON dn.user_id = u.user_id AND dn.field = 'displayname'
       LEFT JOIN profile_fields av ON av.user_id = u.user_id AND av.field = 'avatar_url'
      WHERE u.deactivated = 0 AND u.is_guest = 0
        AND (u.user_id LIKE $term ESCAPE '\\' OR (dn.value ->> '$') LIKE $term ESCAPE '\\')
      ORDER BY (u.user_id LIKE $localpartPrefix ESCAPE '\\' OR (dn.value ->> '$') LIKE $prefix ESCAPE '\\') DESC,
               (dn.value IS NOT NULL) DESC, u.user_id
      LIMIT $limit`,
  );
  return {
    searchLocalUsers: (term: string, limit: number) => {
      const escaped = term.replace(/[\\%_]/g, (c) => `\\${c}`);
      return searchLocalUsers.all({ term: `%${escaped}%`, prefix: `${escaped}%`, localpartPrefix: `@${escaped}%`, limit });
    },
  };
}

export type UserDirectoryStore = ReturnType<typeof createUserDirectoryStore>;
