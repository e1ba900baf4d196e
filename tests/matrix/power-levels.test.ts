import { describe, expect, test } from "bun:test";
import type { Pdu } from "../../src/matrix/pdu.ts";
import {
  eventPowerLevel,
  namedPowerLevel,
  notificationPowerLevel,
  parsePowerLevels,
  powerLevelValue,
  roomCreators,
  userPowerLevel,
} from "../../src/matrix/power-levels.ts";
import { ROOM_VERSIONS } from "../../src/matrix/room-versions.ts";

const v1 = ROOM_VERSIONS["1"];
const v6 = ROOM_VERSIONS["6"];
const v9 = ROOM_VERSIONS["9"];
const v10 = ROOM_VERSIONS["10"];
const v11 = ROOM_VERSIONS["11"];
const v12 = ROOM_VERSIONS["12"];

function createEvent(sender: string, content: Pdu["content"]): Pdu {
  return {
    room_id: "!room:a.example",
    sender,
    type: "m.room.create",
    state_key: "",
    content,
    origin_server_ts: 0,
    depth: 1,
    prev_events: [],
    auth_events: [],
    hashes: { sha256: "" },
    signatures: {},
  };
}

describe("powerLevelValue", () => {
  test("v1–v9 accept integer strings with whitespace, sign and leading zeroes", () => {
    for (const version of [v1, v6, v9]) {
      expect(powerLevelValue("100", version)).toBe(100);
      expect(powerLevelValue(" 000100 ", version)).toBe(100);
      expect(powerLevelValue("+100", version)).toBe(100);
      expect(powerLevelValue(" -100 ", version)).toBe(-100);
      expect(powerLevelValue(42, version)).toBe(42);
    }
  });
  test("v1–v9 reject strings that are not integers", () => {
    for (const value of ["", "1.5", "1e3", "abc", "++1", "0x10", "1 0"])
      expect(powerLevelValue(value, v9)).toBeUndefined();
  });
  test("v1–v5 truncate floats at the decimal point", () => {
    expect(powerLevelValue(50.57, v1)).toBe(50);
    expect(powerLevelValue(51146.98, v1)).toBe(51146);
    expect(powerLevelValue(-1.5, v1)).toBe(-1);
    expect(powerLevelValue(Number.POSITIVE_INFINITY, v1)).toBeUndefined();
  });
  test("v10+ accept only integers", () => {
    for (const version of [v10, v11, v12]) {
      expect(powerLevelValue(100, version)).toBe(100);
      expect(powerLevelValue("100", version)).toBeUndefined();
      expect(powerLevelValue(1.5, version)).toBeUndefined();
      expect(powerLevelValue(true, version)).toBeUndefined();
      expect(powerLevelValue(null, version)).toBeUndefined();
    }
  });
});

describe("parsePowerLevels", () => {
  const content = {
    ban: "75",
    events: { "m.room.name": "60", "m.bad": "x" },
    events_default: "5",
    state_default: 40,
    users: { "@a:x": "100", "@b:x": 10 },
    notifications: { room: "20" },
  };
  test("keeps stated levels and leaves absent ones absent (v9 stringy values)", () => {
    const levels = parsePowerLevels(content, v9);
    expect(levels.ban).toBe(75);
    expect(levels.kick).toBeUndefined();
    expect(levels.events_default).toBe(5);
    expect(levels.state_default).toBe(40);
    expect([...levels.events]).toEqual([["m.room.name", 60]]);
    expect([...levels.users]).toEqual([
      ["@a:x", 100],
      ["@b:x", 10],
    ]);
    expect(levels.notifications.get("room")).toBe(20);
  });
  test("drops string values in v10+", () => {
    const levels = parsePowerLevels(content, v10);
    expect(levels.ban).toBeUndefined();
    expect(levels.state_default).toBe(40);
    expect([...levels.users]).toEqual([["@b:x", 10]]);
    expect(levels.events.size).toBe(0);
  });
  test("ignores maps that are not objects", () => {
    const levels = parsePowerLevels({ users: ["@a:x"], events: 5, notifications: null }, v10);
    expect(levels.users.size + levels.events.size + levels.notifications.size).toBe(0);
  });
});

describe("defaults", () => {
  const empty = parsePowerLevels({}, v10);
  test("ban, kick and redact default to 50, invite to 0, with or without an event", () => {
    for (const levels of [empty, undefined]) {
      expect(namedPowerLevel("ban", levels)).toBe(50);
      expect(namedPowerLevel("kick", levels)).toBe(50);
      expect(namedPowerLevel("redact", levels)).toBe(50);
      expect(namedPowerLevel("invite", levels)).toBe(0);
      expect(namedPowerLevel("users_default", levels)).toBe(0);
    }
  });
  test("state events need state_default (50 even without an event), others events_default (0)", () => {
    for (const levels of [empty, undefined]) {
      expect(eventPowerLevel("m.room.topic", true, levels)).toBe(50);
      expect(eventPowerLevel("m.room.message", false, levels)).toBe(0);
    }
  });
  test("`events` overrides the defaults for state and message events", () => {
    const levels = parsePowerLevels(
      { events: { "m.room.topic": 10, "m.reaction": 20 }, state_default: 70, events_default: 30 },
      v10,
    );
    expect(eventPowerLevel("m.room.topic", true, levels)).toBe(10);
    expect(eventPowerLevel("m.reaction", false, levels)).toBe(20);
    expect(eventPowerLevel("m.room.name", true, levels)).toBe(70);
    expect(eventPowerLevel("m.room.message", false, levels)).toBe(30);
  });
  test("notifications.room defaults to 50; unknown keys have no level", () => {
    expect(notificationPowerLevel("room", undefined)).toBe(50);
    expect(notificationPowerLevel("room", empty)).toBe(50);
    expect(notificationPowerLevel("room", parsePowerLevels({ notifications: { room: 10 } }, v10))).toBe(10);
    expect(notificationPowerLevel("custom", empty)).toBeUndefined();
  });
});

describe("userPowerLevel", () => {
  const legacyCreate = createEvent("@alice:a.example", { creator: "@carol:a.example" });
  const create11 = createEvent("@alice:a.example", {});
  const create12 = createEvent("@alice:a.example", { additional_creators: ["@bob:b.example"] });

  test("v1–v10: without a power levels event the `creator` in content has 100, others 0", () => {
    expect(userPowerLevel("@carol:a.example", undefined, legacyCreate, v10)).toBe(100);
    expect(userPowerLevel("@alice:a.example", undefined, legacyCreate, v10)).toBe(0);
  });
  test("v11: without a power levels event the create event's sender has 100", () => {
    expect(userPowerLevel("@alice:a.example", undefined, create11, v11)).toBe(100);
    expect(userPowerLevel("@bob:b.example", undefined, create11, v11)).toBe(0);
  });
  test("with a power levels event, `users` then `users_default` decide, creator or not (v1–v11)", () => {
    const levels = parsePowerLevels({ users: { "@bob:b.example": 30 }, users_default: 5 }, v11);
    expect(userPowerLevel("@bob:b.example", levels, create11, v11)).toBe(30);
    expect(userPowerLevel("@alice:a.example", levels, create11, v11)).toBe(5);
  });
  test("v12: the sender and additional creators have infinite power, with or without an event", () => {
    const levels = parsePowerLevels({ users: { "@dan:d.example": 90 } }, v12);
    for (const pl of [levels, undefined]) {
      expect(userPowerLevel("@alice:a.example", pl, create12, v12)).toBe(Number.POSITIVE_INFINITY);
      expect(userPowerLevel("@bob:b.example", pl, create12, v12)).toBe(Number.POSITIVE_INFINITY);
    }
    expect(userPowerLevel("@dan:d.example", levels, create12, v12)).toBe(90);
    expect(userPowerLevel("@dan:d.example", undefined, create12, v12)).toBe(0);
  });
  test("additional_creators mean nothing before v12", () => {
    expect([...roomCreators(create12, v11)]).toEqual(["@alice:a.example"]);
    expect([...roomCreators(create12, v12)]).toEqual(["@alice:a.example", "@bob:b.example"]);
    expect([...roomCreators(legacyCreate, v1)]).toEqual(["@carol:a.example"]);
  });
});
