import { describe, expect, test } from "bun:test";
import { hash, memoryStores } from "../support/stores.ts";

describe("appservice store", () => {
  test("registrations are listed by id; ids and as_token hashes are unique", () => {
    const s = memoryStores();
    s.appservices.insertAppservice("whatsapp", hash(2), '{"id":"whatsapp"}', "/etc/wa.yaml", 10);
    s.appservices.insertAppservice("irc", hash(1), '{"id":"irc"}', "/etc/irc.yaml", 20);
    expect(s.appservices.selectAppservices().map((row) => row.id)).toEqual(["irc", "whatsapp"]);
    expect(s.appservices.selectAppservice("irc")).toEqual({
      id: "irc",
      as_token_hash: hash(1),
      registration: '{"id":"irc"}',
      source: "/etc/irc.yaml",
      registered_ts: 20,
    });
    expect(s.appservices.selectAppservice("none")).toBeUndefined();
    expect(() => s.appservices.insertAppservice("irc", hash(3), "{}", "x", 30)).toThrow();
    expect(() => s.appservices.insertAppservice("other", hash(1), "{}", "x", 30)).toThrow();
  });

  test("transaction ids start at 1 and are never reused, also across a replaced registration", () => {
    const s = memoryStores();
    s.appservices.insertAppservice("irc", hash(1), "{}", "a", 1);
    expect([s.appservices.nextTxnId("irc"), s.appservices.nextTxnId("irc")]).toEqual([1, 2]);
    s.appservices.updateAppservice("irc", hash(9), '{"v":2}', "b");
    expect(s.appservices.selectAppservice("irc")).toMatchObject({
      as_token_hash: hash(9),
      registration: '{"v":2}',
      source: "b",
      registered_ts: 1,
    });
    expect(s.appservices.nextTxnId("irc")).toBe(3);
  });

  test("deleting a registration takes its queue and pending transaction with it", () => {
    const s = memoryStores();
    s.appservices.insertAppservice("irc", hash(1), "{}", "a", 1);
    s.appserviceQueue.insertOutboxItem("irc", "event", "$e", 1);
    s.appserviceQueue.insertTransaction("irc", 1, "{}", 1);
    expect(s.appservices.deleteAppservice("irc")).toBe(true);
    expect(s.appservices.deleteAppservice("irc")).toBe(false);
    expect(s.appserviceQueue.countOutbox("irc")).toBe(0);
    expect(s.appserviceQueue.selectTransaction("irc")).toBeUndefined();
  });

  test("the data version does not move with this connection's own writes", () => {
    const s = memoryStores();
    const before = s.appservices.selectDataVersion();
    s.appservices.insertAppservice("irc", hash(1), "{}", "a", 1);
    expect(s.appservices.selectDataVersion()).toBe(before);
  });
});
