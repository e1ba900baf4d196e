import type { Database } from "bun:sqlite";

export interface PusherRow {
  user_id: string;
  app_id: string;
  pushkey: string;
  kind: string;
  app_display_name: string;
  device_display_name: string;
  profile_tag: string | null;
  lang: string;
  /** JSON object. */
  data: string;
  device_id: string | null;
  pushkey_ts: number;
}

export function createPusherStore(db: Database) {
  const columns =
    "user_id, app_id, pushkey, kind, app_display_name, device_display_name, profile_tag, lang, data, device_id, pushkey_ts";
  const selectByUser = db.query<PusherRow, [string]>(
    `SELECT ${columns} FROM pushers WHERE user_id = ? ORDER BY app_id, pushkey`,
  );
  const selectPusher = db.query<PusherRow, [string, string, string]>(
    `SELECT ${columns} FROM pushers WHERE user_id = ? AND app_id = ? AND pushkey = ?`,
  );
  const upsertPusher = db.query<
    void,
    [string, string, string, string, string, string, string | null, string, string, string | null, number]
  >(`INSERT OR REPLACE INTO pushers (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const deletePusher = db.query<void, [string, string, string]>(
    "DELETE FROM pushers WHERE user_id = ? AND app_id = ? AND pushkey = ?",
  );
  const deleteByUser = db.query<void, [string]>("DELETE FROM pushers WHERE user_id = ?");
  const deleteForOtherUsers = db.query<void, [string, string, string]>(
    "DELETE FROM pushers WHERE app_id = ? AND pushkey = ? AND user_id != ?",
  );
  return {
    selectByUser: (userId: string) => selectByUser.all(userId),
    selectPusher: (userId: string, appId: string, pushkey: string) =>
      selectPusher.get(userId, appId, pushkey) ?? undefined,
    upsertPusher: (p: PusherRow) =>
      upsertPusher.run(
        p.user_id,
        p.app_id,
        p.pushkey,
        p.kind,
        p.app_display_name,
        p.device_display_name,
        p.profile_tag,
        p.lang,
        p.data,
        p.device_id,
        p.pushkey_ts,
      ),
    deletePusher: (userId: string, appId: string, pushkey: string) =>
      deletePusher.run(userId, appId, pushkey).changes > 0,
    deleteByUser: (userId: string) => deleteByUser.run(userId).changes,
    /** Without `append`, a pushkey belongs to one user: the others' pushers for it go. */
    deleteForOtherUsers: (appId: string, pushkey: string, userId: string) =>
      deleteForOtherUsers.run(appId, pushkey, userId).changes,
  };
}

export type PusherStore = ReturnType<typeof createPusherStore>;
