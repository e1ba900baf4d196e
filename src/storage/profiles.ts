import type { Database } from "bun:sqlite";

export interface ProfileFieldRow {
  field: string;
  /** JSON text. */
  value: string;
}

export function createProfileStore(db: Database) {
  const selectFields = db.query<ProfileFieldRow, [string]>(
    "SELECT field, value FROM profile_fields WHERE user_id = ? ORDER BY field",
  );
  const selectField = db.query<ProfileFieldRow, [string, string]>(
    "SELECT field, value FROM profile_fields WHERE user_id = ? AND field = ?",
  );
  const upsertField = db.query<void, [string, string, string]>(
    "INSERT INTO profile_fields (user_id, field, value) VALUES (?, ?, ?) ON CONFLICT (user_id, field) DO UPDATE SET value = excluded.value",
  );
  const deleteField = db.query<void, [string, string]>("DELETE FROM profile_fields WHERE user_id = ? AND field = ?");
  const deleteFields = db.query<void, [string]>("DELETE FROM profile_fields WHERE user_id = ?");
  // The size of the profile as JSON, near enough: keys and values plus quotes and separators.
  const selectSizeWithout = db.query<{ size: number }, [string, string]>(
    "SELECT COALESCE(SUM(length(CAST(field AS BLOB)) + length(CAST(value AS BLOB)) + 4), 0) AS size FROM profile_fields WHERE user_id = ? AND field <> ?",
  );
  return {
    selectFields: (userId: string) => selectFields.all(userId),
    selectField: (userId: string, field: string) => selectField.get(userId, field),
    upsertField: (userId: string, field: string, value: string) => upsertField.run(userId, field, value),
    deleteField: (userId: string, field: string) => deleteField.run(userId, field),
    deleteFields: (userId: string) => deleteFields.run(userId),
    /** Bytes the profile takes without `field`, for the 64 KiB limit. */
    selectSizeWithout: (userId: string, field: string) => selectSizeWithout.get(userId, field)!.size,
  };
}

export type ProfileStore = ReturnType<typeof createProfileStore>;
