/** Content reports (events, rooms, users) kept for the server's admins. */
import type { Database } from "bun:sqlite";

export interface ReportRow {
  report_id: number;
  reporter: string;
  room_id: string | null;
  event_id: string | null;
  user_id: string | null;
  reason: string | null;
  score: number | null;
  received_ts: number;
}

export type NewReport = Omit<ReportRow, "report_id">;

export function createReportStore(db: Database) {
  const insertReport = db.query<
    { report_id: number },
    [string, string | null, string | null, string | null, string | null, number | null, number]
  >(
    `INSERT INTO reports (reporter, room_id, event_id, user_id, reason, score, received_ts) VALUES (?, ?, ?, ?, ?, ?, ?)
     RETURNING report_id`,
  );
  const selectReports = db.query<ReportRow, [number, number]>(
    "SELECT report_id, reporter, room_id, event_id, user_id, reason, score, received_ts FROM reports WHERE report_id > ? ORDER BY report_id LIMIT ?",
  );
  return {
    insertReport: (report: NewReport) =>
      insertReport.get(
        report.reporter,
        report.room_id,
        report.event_id,
        report.user_id,
        report.reason,
        report.score,
        report.received_ts,
      )!.report_id,
    /** Reports after `afterId`, oldest first (for an admin API or CLI to page through). */
    selectReports: (afterId: number, limit: number) => selectReports.all(afterId, limit),
  };
}

export type ReportStore = ReturnType<typeof createReportStore>;
