import type { Database } from "bun:sqlite";

export interface UserRow {
  user_id: string;
  password_hash: string | null;
  is_guest: number;
  is_admin: number;
  deactivated: number;
  appservice_id: string | null;
  created_ts: number;
}

export function createAccountStore(db: Database) {
  const columns = "user_id, password_hash, is_guest, is_admin, deactivated, appservice_id, created_ts";
  const selectUser = db.query<UserRow, [string]>(`SELECT ${columns} FROM users WHERE user_id = ?`);
  const insertUser = db.query<void, [string, string | null, number, number, string | null, number]>(
    "INSERT INTO users (user_id, password_hash, is_guest, is_admin, appservice_id, created_ts) VALUES (?, ?, ?, ?, ?, ?)",
  );
  const updatePasswordHash = db.query<void, [string | null, string]>(
    "UPDATE users SET password_hash = ? WHERE user_id = ?",
  );
  const updateDeactivated = db.query<void, [string]>(
    "UPDATE users SET deactivated = 1, password_hash = NULL WHERE user_id = ?",
  );
  const updateAdmin = db.query<void, [number, string]>("UPDATE users SET is_admin = ? WHERE user_id = ?");
  const updateGuestToUser = db.query<void, [string, string]>(
    "UPDATE users SET is_guest = 0, password_hash = ? WHERE user_id = ? AND is_guest = 1 AND deactivated = 0",
  );
  const selectUsers = db.query<UserRow, []>(`SELECT ${columns} FROM users ORDER BY user_id`);
  const countPeople = db.query<{ n: number }, []>(
    "SELECT COUNT(*) AS n FROM users WHERE deactivated = 0 AND is_guest = 0 AND appservice_id IS NULL",
  );
  return {
    selectUser: (userId: string) => selectUser.get(userId),
    selectUsers: () => selectUsers.all(),
    /** Active accounts a person could log in to: not guests, not an application service's. */
    countPeople: () => countPeople.get()?.n ?? 0,
    insertUser: (user: {
      user_id: string;
      password_hash: string | null;
      is_guest?: boolean;
      is_admin?: boolean;
      appservice_id?: string | null;
      created_ts: number;
    }) =>
      insertUser.run(
        user.user_id,
        user.password_hash,
        user.is_guest ? 1 : 0,
        user.is_admin ? 1 : 0,
        user.appservice_id ?? null,
        user.created_ts,
      ),
    updatePasswordHash: (userId: string, hash: string | null) => updatePasswordHash.run(hash, userId),
    updateDeactivated: (userId: string) => updateDeactivated.run(userId),
    updateAdmin: (userId: string, admin: boolean) => updateAdmin.run(admin ? 1 : 0, userId),
    /** A guest becomes a full user with a password; `changes` is 0 unless it was an active guest. */
    updateGuestToUser: (userId: string, passwordHash: string) => updateGuestToUser.run(passwordHash, userId),
  };
}

export type AccountStore = ReturnType<typeof createAccountStore>;
