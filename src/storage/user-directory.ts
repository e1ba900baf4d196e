/**
 * The user directory's search: local users matching a term whom the searcher may see,
 * in one statement over users, profiles, memberships and room state.
 */
import type { Database } from "bun:sqlite";
import { EventType } from "../matrix/event-types.ts";

export interface DirectoryEntryRow {
  user_id: string;
  display_name: string | null;
  avatar_url: string | null;
}

type SearchParams = {
  searcher: string;
  term: string;
  prefix: string;
  localpartPrefix: string;
  limit: number;
  joinRules: string;
  historyVisibility: string;
};

// A room makes its joined members visible to everyone when anyone may join it (join rule
// `public`) or read it (`world_readable` history), as the spec defines it.
// Being published in the room directory does not count by itself: publicRooms hides a
// published room that turned invite-only, and so does this. Each test is a primary-key
// lookup for one room, so the cost follows the matching users' rooms, not the server's.
const PUBLIC_ROOM = `(
     EXISTS (SELECT 1 FROM current_state cs JOIN events e ON e.event_id = cs.event_id
              WHERE cs.room_id = m.room_id AND cs.type = $joinRules AND cs.state_key = ''
                AND e.json ->> '$.content.join_rule' = 'public')
  OR EXISTS (SELECT 1 FROM current_state cs JOIN events e ON e.event_id = cs.event_id
              WHERE cs.room_id = m.room_id AND cs.type = $historyVisibility AND cs.state_key = ''
                AND e.json ->> '$.content.history_visibility' = 'world_readable'))`;

// The searcher shares the room when they are joined to it too.
const SHARED_ROOM = `EXISTS (SELECT 1 FROM memberships mine WHERE mine.room_id = m.room_id AND mine.user_id = $searcher AND mine.membership = 'join')`;

export function createUserDirectoryStore(db: Database) {
  // `term` is matched as a substring; prefix matches of the localpart or display name rank
  // first, then users with a display name. The users matching the term are gathered first
  // (MATERIALIZED: otherwise SQLite tests visibility, which needs only `users`, on every user
  // before the display-name join can test the term), then the visible ones are kept. The
  // searcher always sees themselves.
  const searchVisibleUsers = db.query<DirectoryEntryRow, SearchParams>(
    `WITH matching AS MATERIALIZED (
       SELECT u.user_id, dn.value ->> '$' AS display_name, av.value ->> '$' AS avatar_url
         FROM users u
         LEFT JOIN profile_fields dn ON dn.user_id = u.user_id AND dn.field = 'displayname'
         LEFT JOIN profile_fields av ON av.user_id = u.user_id AND av.field = 'avatar_url'
        WHERE u.deactivated = 0 AND u.is_guest = 0
          AND (u.user_id LIKE $term ESCAPE '\\' OR (dn.value ->> '$') LIKE $term ESCAPE '\\'))
     SELECT user_id, display_name, avatar_url FROM matching u
      WHERE u.user_id = $searcher
         OR EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.user_id AND m.membership = 'join'
                      AND (${SHARED_ROOM} OR ${PUBLIC_ROOM}))
      ORDER BY (u.user_id LIKE $localpartPrefix ESCAPE '\\' OR u.display_name LIKE $prefix ESCAPE '\\') DESC,
               (u.display_name IS NOT NULL) DESC, u.user_id
      LIMIT $limit`,
  );
  return {
    /**
     * Local, active, non-guest users matching `term` (user id or display name, case-insensitively)
     * who share a room with `searcher` or are joined to a public room; at most `limit`.
     */
    searchVisibleUsers: (searcher: string, term: string, limit: number) => {
      const escaped = term.replace(/[\\%_]/g, (c) => `\\${c}`);
      return searchVisibleUsers.all({
        searcher,
        term: `%${escaped}%`,
        prefix: `${escaped}%`,
        localpartPrefix: `@${escaped}%`,
        limit,
        joinRules: EventType.RoomJoinRules,
        historyVisibility: EventType.RoomHistoryVisibility,
      });
    },
  };
}

export type UserDirectoryStore = ReturnType<typeof createUserDirectoryStore>;
