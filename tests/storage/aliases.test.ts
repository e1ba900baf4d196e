import { describe, expect, test } from "bun:test";
import { memoryStores } from "../support/stores.ts";

describe("alias store", () => {
  test("an alias names one room: a taken alias is refused and keeps its room", () => {
    const s = memoryStores();
    expect(s.aliases.insertAlias("#a:x", "!r", "@u", 1)).toBe(true);
    expect(s.aliases.insertAlias("#a:x", "!other", "@v", 2)).toBe(false);
    expect(s.aliases.selectRoomIdByAlias("#a:x")).toBe("!r");
    expect(s.aliases.selectAlias("#a:x")).toEqual({ alias: "#a:x", room_id: "!r", creator: "@u", created_ts: 1 });
    expect(s.aliases.selectRoomIdByAlias("#none:x")).toBeUndefined();
    expect(s.aliases.selectAlias("#none:x")).toBeUndefined();
  });

  test("a room's aliases are listed in order, deleted one by one, and move to a room's replacement", () => {
    const s = memoryStores();
    for (const alias of ["#c:x", "#a:x", "#b:x"]) s.aliases.insertAlias(alias, "!old", "@u", 1);
    s.aliases.insertAlias("#z:x", "!elsewhere", "@u", 1);
    expect(s.aliases.selectAliasesByRoom("!old").map((row) => row.alias)).toEqual(["#a:x", "#b:x", "#c:x"]);
    expect(s.aliases.deleteAlias("#b:x")).toBe(true);
    expect(s.aliases.deleteAlias("#b:x")).toBe(false);
    s.aliases.moveAliases("!old", "!new");
    expect(s.aliases.selectAliasesByRoom("!old")).toEqual([]);
    expect(s.aliases.selectAliasesByRoom("!new").map((row) => row.alias)).toEqual(["#a:x", "#c:x"]);
    expect(s.aliases.selectRoomIdByAlias("#z:x")).toBe("!elsewhere");
  });
});
