import type { Database } from "bun:sqlite";

/** The device-list stream (see 0007-e2ee.sql: one row per user, at their latest change). */
export function createDeviceListStore(db: Database) {
  const upsertChange = db.query<{ stream_pos: number }, [string]>(
    `INSERT INTO device_list_changes (user_id, stream_pos)
     VALUES (?, (SELECT coalesce(max(stream_pos), 0) + 1 FROM device_list_changes))
     ON CONFLICT (user_id) DO UPDATE SET stream_pos = excluded.stream_pos
     RETURNING stream_pos`,
  );
  const selectChangedUsers = db.query<{ user_id: string }, [number, number]>(
    "SELECT user_id FROM device_list_changes WHERE stream_pos > ? AND stream_pos <= ? ORDER BY stream_pos",
  );
  const selectPosition = db.query<{ position: number }, []>(
    "SELECT coalesce(max(stream_pos), 0) AS position FROM device_list_changes",
  );

  return {
    /** Moves the user to the head of the stream; returns the new position. */
    upsertChange: (userId: string) => upsertChange.get(userId)!.stream_pos,
    /** Users whose latest change lies in (sinceExclusive, upToInclusive]. */
    selectChangedUsers: (sinceExclusive: number, upToInclusive: number) =>
      selectChangedUsers.all(sinceExclusive, upToInclusive).map((row) => row.user_id),
    selectPosition: () => selectPosition.get()!.position,
  };
}

export type DeviceListStore = ReturnType<typeof createDeviceListStore>;
