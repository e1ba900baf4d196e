import type { Database } from "bun:sqlite";

export function createFilterStore(db: Database) {
  const selectFilterId = db.query<{ filter_id: number }, [string, string]>(
    "SELECT filter_id FROM filters WHERE user_id = ? AND filter = ?",
  );
  const insertFilter = db.query<{ filter_id: number }, [string, string]>(
    "INSERT INTO filters (user_id, filter) VALUES (?, ?) RETURNING filter_id",
  );
  const selectFilter = db.query<{ filter: string }, [string, number]>(
    "SELECT filter FROM filters WHERE user_id = ? AND filter_id = ?",
  );
  const deleteByUser = db.query<void, [string]>("DELETE FROM filters WHERE user_id = ?");
  return {
    selectFilterId: (userId: string, filter: string) => selectFilterId.get(userId, filter)?.filter_id,
    insertFilter: (userId: string, filter: string) => insertFilter.get(userId, filter)!.filter_id,
    selectFilter: (userId: string, filterId: number) => selectFilter.get(userId, filterId)?.filter,
    deleteByUser: (userId: string) => deleteByUser.run(userId),
  };
}

export type FilterStore = ReturnType<typeof createFilterStore>;
