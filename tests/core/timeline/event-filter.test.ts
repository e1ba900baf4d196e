import { describe, expect, test } from "bun:test";
import { matchesFilter, parseRoomEventFilter, typeMatches } from "../../../src/core/timeline/event-filter.ts";

describe("RoomEventFilter", () => {
  test("types match exactly or with * wildcards", () => {
    expect(typeMatches("m.room.message", "m.room.message")).toBe(true);
    expect(typeMatches("m.room.*", "m.room.member")).toBe(true);
    expect(typeMatches("m.*.member", "m.room.member")).toBe(true);
    expect(typeMatches("*", "anything")).toBe(true);
    expect(typeMatches("m.room.*", "m.call.invite")).toBe(false);
    expect(typeMatches("m.room", "m.room.member")).toBe(false);
    expect(typeMatches("*.member*", "m.room.member")).toBe(true);
  });

  test("a pattern full of stars stays fast", () => {
    const start = performance.now();
    expect(typeMatches("*a".repeat(30) + "b", "a".repeat(255))).toBe(false);
    expect(performance.now() - start).toBeLessThan(50);
  });

  test("not_types and not_senders win over types and senders; contains_url reads the content", () => {
    const filter = parseRoomEventFilter(
      JSON.stringify({ types: ["m.*"], not_types: ["m.room.member"], not_senders: ["@spam:x"], contains_url: true }),
    );
    const row = (type: string, sender: string, content: object) => ({
      type,
      sender,
      json: JSON.stringify({ content }),
    });
    expect(matchesFilter(filter, row("m.room.message", "@a:x", { url: "mxc://x/y" }))).toBe(true);
    expect(matchesFilter(filter, row("m.room.message", "@a:x", { body: "no url" }))).toBe(false);
    expect(matchesFilter(filter, row("m.room.member", "@a:x", { url: "mxc://x/y" }))).toBe(false);
    expect(matchesFilter(filter, row("m.room.message", "@spam:x", { url: "mxc://x/y" }))).toBe(false);
  });

  test("malformed filters are refused with M_INVALID_PARAM", () => {
    for (const text of ["{", "[]", '{"types":"m.room.message"}', '{"limit":0}', '{"lazy_load_members":"yes"}']) {
      expect(() => parseRoomEventFilter(text)).toThrow(expect.objectContaining({ errcode: "M_INVALID_PARAM" }));
    }
  });
});
