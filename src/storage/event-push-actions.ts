import type { Database } from "bun:sqlite";

/** Unread counts of one thread ('main' for the main timeline). */
export interface UnreadCountRow {
  thread_id: string;
  notification_count: number;
  highlight_count: number;
}

export interface NotificationRow {
  room_id: string;
  event_stream_pos: number;
  /** JSON array. */
  actions: string;
  read: number;
  ts: number;
}

export interface NewPushAction {
  user_id: string;
  actions: string;
  notify: boolean;
  highlight: boolean;
}

export function createEventPushActionStore(db: Database) {
  const insertAction = db.query<void, [string, string, number, string, string, number, number, number]>(
    "INSERT OR REPLACE INTO event_push_actions (user_id, room_id, event_stream_pos, thread_id, actions, notify, highlight, ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
  );
  const selectUnreadCounts = db.query<UnreadCountRow, [string, string]>(
    "SELECT thread_id, SUM(notify) AS notification_count, SUM(highlight) AS highlight_count FROM event_push_actions " +
      "WHERE user_id = ? AND room_id = ? AND read = 0 GROUP BY thread_id",
  );
  const selectUnreadCountsOfUser = db.query<UnreadCountRow & { room_id: string }, [string]>(
    "SELECT room_id, thread_id, SUM(notify) AS notification_count, SUM(highlight) AS highlight_count FROM event_push_actions " +
      "WHERE user_id = ? AND read = 0 GROUP BY room_id, thread_id",
  );
  const selectUnreadTotal = db.query<{ total: number }, [string]>(
    "SELECT COUNT(*) AS total FROM event_push_actions WHERE user_id = ? AND read = 0 AND notify = 1",
  );
  const markReadUpTo = db.query<void, [string, string, number]>(
    "UPDATE event_push_actions SET read = 1 WHERE user_id = ? AND room_id = ? AND read = 0 AND event_stream_pos <= ?",
  );
  const markThreadReadUpTo = db.query<void, [string, string, string, number]>(
    "UPDATE event_push_actions SET read = 1 WHERE user_id = ? AND room_id = ? AND thread_id = ? AND read = 0 AND event_stream_pos <= ?",
  );
  const notificationColumns = "room_id, event_stream_pos, actions, read, ts";
  const selectNotifications = db.query<NotificationRow, [string, number, number]>(
    `SELECT ${notificationColumns} FROM event_push_actions WHERE user_id = ? AND event_stream_pos < ? ORDER BY event_stream_pos DESC LIMIT ?`,
  );
  const selectHighlights = db.query<NotificationRow, [string, number, number]>(
    `SELECT ${notificationColumns} FROM event_push_actions WHERE user_id = ? AND event_stream_pos < ? AND highlight = 1 ORDER BY event_stream_pos DESC LIMIT ?`,
  );
  const deleteReadBefore = db.query<void, [number]>("DELETE FROM event_push_actions WHERE read = 1 AND ts < ?");

  return {
    /** One row per recipient the event notified; call inside the transaction that appends the event. */
    insertPushActions: (
      roomId: string,
      eventStreamPos: number,
      threadId: string,
      ts: number,
      actions: readonly NewPushAction[],
    ) => {
      for (const a of actions)
        insertAction.run(
          a.user_id,
          roomId,
          eventStreamPos,
          threadId,
          a.actions,
          a.notify ? 1 : 0,
          a.highlight ? 1 : 0,
          ts,
        );
    },
    /** Per thread of the room: the notifying and highlighting events not yet read. */
    selectUnreadCounts: (userId: string, roomId: string) => selectUnreadCounts.all(userId, roomId),
    /** The same for all of the user's rooms at once (an initial /sync of many rooms). */
    selectUnreadCountsOfUser: (userId: string) => selectUnreadCountsOfUser.all(userId),
    /** Unread notifications in all the user's rooms (the push gateway's `counts.unread`). */
    selectUnreadTotal: (userId: string) => selectUnreadTotal.get(userId)!.total,
    /** Marks read everything up to and including `upTo`; with a thread id, only in that thread. */
    markReadUpTo: (userId: string, roomId: string, threadId: string | undefined, upTo: number) =>
      threadId === undefined
        ? markReadUpTo.run(userId, roomId, upTo)
        : markThreadReadUpTo.run(userId, roomId, threadId, upTo),
    /** Newest first, strictly before `before`. */
    selectNotifications: (userId: string, before: number, limit: number, onlyHighlight: boolean) =>
      (onlyHighlight ? selectHighlights : selectNotifications).all(userId, before, limit),
    deleteReadBefore: (ts: number) => deleteReadBefore.run(ts).changes,
  };
}

export type EventPushActionStore = ReturnType<typeof createEventPushActionStore>;
