import { describe, expect, test } from "bun:test";
import { hash, memoryStores } from "../support/stores.ts";

function withAppservices(...ids: string[]) {
  const s = memoryStores();
  ids.forEach((id, n) => s.appservices.insertAppservice(id, hash(n + 1), "{}", "file", 1));
  return s;
}

describe("appservice queue store", () => {
  test("the outbox keeps each appservice's items in order; the oldest are read first and deleted up to a seq", () => {
    const s = withAppservices("a", "b");
    s.appserviceQueue.insertOutboxItem("a", "event", "$1", 1);
    s.appserviceQueue.insertOutboxItem("b", "ephemeral", '{"type":"m.typing"}', 2);
    s.appserviceQueue.insertOutboxItem("a", "to_device", '{"n":2}', 3);
    s.appserviceQueue.insertOutboxItem("a", "device_list", '{"n":3}', 4);
    const items = s.appserviceQueue.selectOutbox("a", 2);
    expect(items.map((item) => [item.kind, item.payload])).toEqual([
      ["event", "$1"],
      ["to_device", '{"n":2}'],
    ]);
    expect(items[0]!.seq < items[1]!.seq).toBe(true);
    s.appserviceQueue.deleteOutboxUpTo("a", items[1]!.seq);
    expect(s.appserviceQueue.selectOutbox("a", 10).map((item) => item.kind)).toEqual(["device_list"]);
    expect([s.appserviceQueue.countOutbox("a"), s.appserviceQueue.countOutbox("b")]).toEqual([1, 1]);
    expect(() => s.appserviceQueue.insertOutboxItem("unknown", "event", "$x", 5)).toThrow();
  });

  test("one transaction in flight per appservice, with its attempts and last error", () => {
    const s = withAppservices("a");
    s.appserviceQueue.insertTransaction("a", 7, '{"events":[]}', 10);
    expect(() => s.appserviceQueue.insertTransaction("a", 8, "{}", 11)).toThrow();
    s.appserviceQueue.updateFailure("a", 7, "connection refused");
    s.appserviceQueue.updateFailure("a", 7, "HTTP 500");
    expect(s.appserviceQueue.selectTransaction("a")).toEqual({
      appservice_id: "a",
      txn_id: 7,
      body: '{"events":[]}',
      created_ts: 10,
      attempts: 2,
      last_error: "HTTP 500",
    });
    s.appserviceQueue.deleteTransaction("a", 7);
    expect(s.appserviceQueue.selectTransaction("a")).toBeUndefined();
  });

  test("appservices with work are those with a transaction or queued items", () => {
    const s = withAppservices("idle", "queued", "sending");
    s.appserviceQueue.insertOutboxItem("queued", "event", "$1", 1);
    s.appserviceQueue.insertTransaction("sending", 1, "{}", 1);
    expect(s.appserviceQueue.selectAppservicesWithWork().sort()).toEqual(["queued", "sending"]);
  });

  test("feed positions are stored per feed and replaced", () => {
    const s = memoryStores();
    expect(s.appserviceQueue.selectFeedPosition("device_lists")).toBeUndefined();
    s.appserviceQueue.upsertFeedPosition("device_lists", 5);
    s.appserviceQueue.upsertFeedPosition("device_lists", 9);
    expect(s.appserviceQueue.selectFeedPosition("device_lists")).toBe(9);
  });
});
