import { describe, expect, test } from "bun:test";
import type { NewReport } from "../../src/storage/reports.ts";
import { memoryStores } from "../support/stores.ts";

const report = (n: number, about: Partial<NewReport>): NewReport => ({
  reporter: "@r:x",
  room_id: null,
  event_id: null,
  user_id: null,
  reason: null,
  score: null,
  received_ts: n,
  ...about,
});

describe("report store", () => {
  test("reports of events, rooms and users get growing ids and are paged through oldest first", () => {
    const s = memoryStores();
    const ids = [
      s.reports.insertReport(report(1, { room_id: "!r", event_id: "$e", reason: "spam", score: -100 })),
      s.reports.insertReport(report(2, { room_id: "!r" })),
      s.reports.insertReport(report(3, { user_id: "@bad:x", reason: "abuse" })),
    ];
    expect(ids[0]! < ids[1]! && ids[1]! < ids[2]!).toBe(true);
    expect(s.reports.selectReports(0, 2)).toEqual([
      { report_id: ids[0]!, ...report(1, { room_id: "!r", event_id: "$e", reason: "spam", score: -100 }) },
      { report_id: ids[1]!, ...report(2, { room_id: "!r" }) },
    ]);
    expect(s.reports.selectReports(ids[1]!, 10).map((row) => row.user_id)).toEqual(["@bad:x"]);
    expect(s.reports.selectReports(ids[2]!, 10)).toEqual([]);
  });
});
