import type { Database } from "bun:sqlite";

export interface UiaSessionRow {
  session_id: string;
  action: string;
  user_id: string | null;
  completed: string;
  expires_ts: number;
}

/** User-interactive auth sessions (core/users/user-interactive-auth.ts). */
export function createUiaSessionStore(db: Database) {
  const selectSession = db.query<UiaSessionRow, [string]>(
    "SELECT session_id, action, user_id, completed, expires_ts FROM uia_sessions WHERE session_id = ?",
  );
  const insertSession = db.query<void, [string, string, string | null, number, number]>(
    "INSERT INTO uia_sessions (session_id, action, user_id, created_ts, expires_ts) VALUES (?, ?, ?, ?, ?)",
  );
  const updateCompleted = db.query<void, [string, string]>(
    "UPDATE uia_sessions SET completed = ? WHERE session_id = ?",
  );
  const deleteSession = db.query<void, [string]>("DELETE FROM uia_sessions WHERE session_id = ?");
  const deleteExpired = db.query<void, [number]>("DELETE FROM uia_sessions WHERE expires_ts <= ?");
  return {
    selectSession: (sessionId: string) => selectSession.get(sessionId),
    insertSession: (sessionId: string, action: string, userId: string | null, now: number, expiresTs: number) =>
      insertSession.run(sessionId, action, userId, now, expiresTs),
    updateCompleted: (sessionId: string, completed: readonly string[]) =>
      updateCompleted.run(JSON.stringify(completed), sessionId),
    deleteSession: (sessionId: string) => deleteSession.run(sessionId),
    deleteExpired: (now: number) => deleteExpired.run(now),
  };
}

export type UiaSessionStore = ReturnType<typeof createUiaSessionStore>;
