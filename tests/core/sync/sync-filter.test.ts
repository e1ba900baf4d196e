import { describe, expect, test } from "bun:test";
import {
  parseInlineFilter,
  passesEventFilter,
  projectEventFields,
  roomIncluded,
} from "../../../src/core/sync/sync-filter.ts";

describe("the sync filter", () => {
  test("event_fields keeps dotted paths, with \\. for a dot inside a key", () => {
    const event = {
      type: "m.room.message",
      sender: "@a:x",
      content: { body: "hi", "m.relates_to": { rel_type: "m.thread", event_id: "$r" }, url: "mxc://x/y" },
    };
    expect(projectEventFields(event, ["type", "content.body"])).toEqual({
      type: "m.room.message",
      content: { body: "hi" },
    });
    expect(projectEventFields(event, ["content.m\\.relates_to.rel_type"])).toEqual({
      content: { "m.relates_to": { rel_type: "m.thread" } },
    });
    expect(projectEventFields(event, ["unsigned.age"])).toEqual({});
  });

  test("defaults apply and invalid filters are refused with the errcodes of POST /filter", () => {
    const filter = parseInlineFilter("{}");
    expect(filter).toMatchObject({ event_format: "client", room: { include_leave: false, timeline: {} } });
    expect(() => parseInlineFilter("{nope")).toThrow(expect.objectContaining({ errcode: "M_NOT_JSON" }));
    expect(() => parseInlineFilter('{"room":{"rooms":["not a room"]}}')).toThrow(
      expect.objectContaining({ errcode: "M_BAD_JSON" }),
    );
  });

  test("rooms and not_rooms of the room filter and of a section both apply", () => {
    const filter = parseInlineFilter('{"room":{"not_rooms":["!b:x"],"timeline":{"rooms":["!a:x","!b:x"]}}}');
    expect(roomIncluded(filter, filter.room.timeline, "!a:x")).toBe(true);
    expect(roomIncluded(filter, filter.room.timeline, "!b:x")).toBe(false);
    expect(roomIncluded(filter, filter.room.timeline, "!c:x")).toBe(false);
    expect(roomIncluded(filter, {}, "!c:x")).toBe(true);
  });

  test("event filters match types with wildcards and senders when the event has one", () => {
    expect(passesEventFilter({ types: ["m.*"] }, "m.typing")).toBe(true);
    expect(passesEventFilter({ not_types: ["*"] }, "m.typing")).toBe(false);
    expect(passesEventFilter({ types: [] }, "m.presence", "@a:x")).toBe(false);
    expect(passesEventFilter({ senders: ["@a:x"] }, "m.presence", "@b:x")).toBe(false);
    expect(passesEventFilter({ senders: ["@a:x"] }, "m.receipt")).toBe(true);
  });
});
