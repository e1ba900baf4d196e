import { describe, expect, test } from "bun:test";
import { addUser, memoryStores } from "../support/stores.ts";

describe("to-device store", () => {
  test("stream positions grow per device and are never handed out twice, even after deletes", () => {
    const s = memoryStores();
    addUser(s, "@a:hs", "D", "E");
    expect(s.toDevice.selectInboxPosition("@a:hs", "D")).toBe(0);
    expect([
      s.toDevice.nextStreamPos("@a:hs", "D"),
      s.toDevice.nextStreamPos("@a:hs", "D"),
      s.toDevice.nextStreamPos("@a:hs", "E"),
    ]).toEqual([1, 2, 1]);
    s.toDevice.insertMessage("@a:hs", "D", 2, "@b:hs", "t", "{}", 0);
    expect(s.toDevice.deleteMessagesUpTo("@a:hs", "D", 2)).toBe(1);
    s.toDevice.deleteMessagesOfDevice("@a:hs", "D");
    expect(s.toDevice.nextStreamPos("@a:hs", "D")).toBe(3);
    expect(s.toDevice.selectInboxPosition("@a:hs", "D")).toBe(3);
  });

  test("messages are read after a position, in order, up to a limit; a position is used once per device", () => {
    const s = memoryStores();
    addUser(s, "@a:hs", "D", "E");
    for (const pos of [3, 1, 2]) s.toDevice.insertMessage("@a:hs", "D", pos, "@b:hs", `t${pos}`, `{"n":${pos}}`, 0);
    s.toDevice.insertMessage("@a:hs", "E", 1, "@b:hs", "t", "{}", 0);
    expect(s.toDevice.selectMessages("@a:hs", "D", 0, 2)).toEqual([
      { stream_pos: 1, sender: "@b:hs", type: "t1", content: '{"n":1}' },
      { stream_pos: 2, sender: "@b:hs", type: "t2", content: '{"n":2}' },
    ]);
    expect(s.toDevice.selectMessages("@a:hs", "D", 2, 10).map((m) => m.stream_pos)).toEqual([3]);
    expect(() => s.toDevice.insertMessage("@a:hs", "D", 3, "@b:hs", "t", "{}", 0)).toThrow();
    expect(s.toDevice.countMessages("@a:hs", "D")).toBe(3);
    expect(
      s.toDevice
        .selectDevicesWithMessages()
        .map((d) => `${d.user_id}/${d.device_id}`)
        .sort(),
    ).toEqual(["@a:hs/D", "@a:hs/E"]);
  });

  test("messages need their device and go when their device row goes", () => {
    const s = memoryStores();
    addUser(s, "@a:hs", "D");
    expect(() => s.toDevice.insertMessage("@a:hs", "NONE", 1, "@b:hs", "t", "{}", 0)).toThrow();
    s.toDevice.insertMessage("@a:hs", "D", s.toDevice.nextStreamPos("@a:hs", "D"), "@b:hs", "t", "{}", 0);
    s.devices.deleteDevice("@a:hs", "D");
    expect(s.toDevice.countMessages("@a:hs", "D")).toBe(0);
  });

  test("expiry deletes in bounded batches, oldest by creation time", () => {
    const s = memoryStores();
    addUser(s, "@a:hs", "D");
    for (let i = 1; i <= 5; i++) s.toDevice.insertMessage("@a:hs", "D", i, "@b:hs", "t", "{}", i * 10);
    expect(s.toDevice.deleteMessagesOlderThan(45, 2)).toBe(2);
    expect(s.toDevice.deleteMessagesOlderThan(45, 2)).toBe(2);
    expect(s.toDevice.deleteMessagesOlderThan(45, 2)).toBe(0);
    expect(s.toDevice.selectMessages("@a:hs", "D", 0, 10).map((m) => m.stream_pos)).toEqual([5]);
  });

  test("transaction ids are remembered per (device, event type, txn id) and forgotten by device or age", () => {
    const s = memoryStores();
    s.toDevice.insertTransaction("@a:hs", "D", "m.t", "1", 10);
    s.toDevice.insertTransaction("@a:hs", "D", "m.u", "1", 20);
    s.toDevice.insertTransaction("@a:hs", "E", "m.t", "1", 30);
    expect(() => s.toDevice.insertTransaction("@a:hs", "D", "m.t", "1", 40)).toThrow();
    expect([
      s.toDevice.hasTransaction("@a:hs", "D", "m.t", "1"),
      s.toDevice.hasTransaction("@a:hs", "D", "m.t", "2"),
    ]).toEqual([true, false]);
    expect(s.toDevice.deleteTransactionsOlderThan(15)).toBe(1);
    s.toDevice.deleteTransactionsOfDevice("@a:hs", "D");
    expect([
      s.toDevice.hasTransaction("@a:hs", "D", "m.u", "1"),
      s.toDevice.hasTransaction("@a:hs", "E", "m.t", "1"),
    ]).toEqual([false, true]);
  });
});
