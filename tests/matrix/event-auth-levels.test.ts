/**
 * The rules after membership: the sender must be joined, the event type's required power
 * level, state keys reserved for users, and the m.room.power_levels rule.
 */
import { describe, expect, test } from "bun:test";
import type { EventContent } from "../../src/matrix/pdu.ts";
import { ROOM_VERSIONS, type RoomVersionId } from "../../src/matrix/room-versions.ts";
import { ALICE, ALLOWED, BOB, byVersion, CAROL, DAVE, powerUsers, ruleIn, testRoom } from "./fixtures/auth-events.ts";

describe("the sender must be joined", () => {
  for (const [version, n] of byVersion({ "1-5": "6", "6-11": "5", "12": "6" })) {
    test(`v${version} ${n}`, () => {
      const room = testRoom(version, { members: { [BOB]: "invite", [DAVE]: "join", [CAROL]: "leave" } });
      expect(room.try({ type: "m.room.message", sender: DAVE, content: { body: "hi" } })).toBe(ALLOWED);
      for (const sender of [BOB, CAROL, "@nobody:n.example"]) {
        expect(room.try({ type: "m.room.message", sender, content: { body: "hi" } })).toBe(n);
      }
    });
  }
});

describe("the event type's required power level", () => {
  for (const [version, n] of byVersion({ "1-5": "8", "6-11": "7", "12": "8" })) {
    test(`v${version} ${n}: state events need state_default (50), messages events_default (0)`, () => {
      const room = testRoom(version, { members: { [DAVE]: "join" } });
      expect(room.try({ type: "m.room.topic", sender: DAVE, state_key: "", content: { topic: "t" } })).toBe(n);
      expect(room.try({ type: "m.room.topic", sender: ALICE, state_key: "", content: { topic: "t" } })).toBe(ALLOWED);
      expect(room.try({ type: "m.room.message", sender: DAVE, content: {} })).toBe(ALLOWED);
    });
    test(`v${version} ${n}: state_default is 50 even without a power levels event`, () => {
      const room = testRoom(version, { powerLevels: null, members: { [DAVE]: "join" } });
      expect(room.try({ type: "m.room.topic", sender: DAVE, state_key: "", content: { topic: "t" } })).toBe(n);
      expect(room.try({ type: "m.room.topic", sender: ALICE, state_key: "", content: { topic: "t" } })).toBe(ALLOWED);
    });
    test(`v${version} ${n}: \`events\` overrides the defaults`, () => {
      const room = testRoom(version, {
        powerLevels: {
          users: powerUsers(version, { [DAVE]: 10 }),
          events: { "m.room.message": 20, "m.room.topic": 10 },
        },
        members: { [DAVE]: "join" },
      });
      expect(room.try({ type: "m.room.message", sender: DAVE, content: {} })).toBe(n);
      expect(room.try({ type: "m.room.topic", sender: DAVE, state_key: "", content: { topic: "t" } })).toBe(ALLOWED);
    });
  }
});

describe("state keys starting with @ belong to that user", () => {
  const CALL_MEMBER = "org.matrix.msc3401.call.member";
  for (const [version, n] of byVersion({ "1-5": "9", "6-11": "8", "12": "9" })) {
    const room = testRoom(version, {
      powerLevels: { users: powerUsers(version), events: { [CALL_MEMBER]: 0, "m.custom": 0 } },
      members: { [DAVE]: "join" },
    });
    test(`v${version} ${n}: rejects another user's id as state_key`, () => {
      expect(room.try({ type: "m.custom", sender: DAVE, state_key: BOB, content: {} })).toBe(n);
      expect(room.try({ type: "m.custom", sender: DAVE, state_key: "@", content: {} })).toBe(n);
    });
    test(`v${version} ${n}: allows the sender's own id and keys not starting with @`, () => {
      expect(room.try({ type: "m.custom", sender: DAVE, state_key: DAVE, content: {} })).toBe(ALLOWED);
      expect(room.try({ type: "m.custom", sender: DAVE, state_key: "x@y", content: {} })).toBe(ALLOWED);
    });
    test(`v${version} ${n}: MatrixRTC member keys (_@user_DEVICE) pass the ordinary rules`, () => {
      expect(room.try({ type: CALL_MEMBER, sender: DAVE, state_key: `_${DAVE}_DEVICE`, content: {} })).toBe(ALLOWED);
      expect(room.try({ type: CALL_MEMBER, sender: DAVE, state_key: `_${BOB}_DEVICE`, content: {} })).toBe(ALLOWED);
    });
  }
});

describe("otherwise, allow", () => {
  for (const [version] of byVersion({ "1-12": null })) {
    test(`v${version}: a joined member's message`, () => {
      expect(
        testRoom(version, { members: { [BOB]: "join" } }).try({
          type: "m.room.message",
          sender: BOB,
          content: { body: "hi" },
        }),
      ).toBe(ALLOWED);
    });
  }
});

/**
 * A room where DAVE (joined, level 50) may send m.room.power_levels; CAROL sits at 50 (his
 * equal), BOB at 10, and `levels` holds the rest of the current content.
 */
function powerRoom(version: RoomVersionId, levels: EventContent = {}) {
  const users = powerUsers(version, { [DAVE]: 50, [CAROL]: 50, [BOB]: 10 });
  const current = { users, events: { "m.room.power_levels": 50 }, ...levels };
  const room = testRoom(version, { powerLevels: current, members: { [DAVE]: "join" } });
  /** Sends the current content with `content` merged in and the `removed` keys left out. */
  const change = (content: EventContent, sender = DAVE, removed: string[] = []) => {
    const next: EventContent = { ...current, ...content };
    for (const key of removed) delete next[key];
    return room.try({ type: "m.room.power_levels", sender, state_key: "", content: next });
  };
  return { users, change };
}

const PL = { "1-5": "10", "6-11": "9", "12": "10" };
const USERS_VALID = { "1-5": "10.1", "6-9": "9.1", "10-11": "9.3", "12": "10.3" };
const LEVELS = { "1-5": "10.3", "6-9": "9.3", "10-11": "9.5", "12": "10.6" };
const MAPS_CURRENT = { "1-5": "10.4", "6-9": "9.4", "10-11": "9.6", "12": "10.7" };
const MAPS_NEW = { "1-5": "10.5", "6-9": "9.5", "10-11": "9.7", "12": "10.8" };
const USERS_CURRENT = { "1-5": "10.6", "6-9": "9.6", "10-11": "9.8", "12": "10.9" };
const USERS_NEW = { "1-5": "10.7", "6-9": "9.7", "10-11": "9.9", "12": "10.10" };

describe("m.room.power_levels: well-formed content", () => {
  for (const [version, n] of byVersion({ "10-11": "9.1", "12": "10.1" })) {
    test(`v${version} ${n}: single levels must be integers`, () => {
      const { change } = powerRoom(version);
      expect(change({ ban: "50" })).toBe(n);
      expect(change({ users_default: 1.5 })).toBe(n);
      expect(change({ kick: null })).toBe(n);
      expect(change({ ban: 50, kick: 0, invite: -10 })).toBe(ALLOWED);
    });
  }
  for (const [version, n] of byVersion({ "10-11": "9.2", "12": "10.2" })) {
    test(`v${version} ${n}: events and notifications must map to integers`, () => {
      const { change } = powerRoom(version);
      expect(change({ events: { "m.room.name": "50" } })).toBe(n);
      expect(change({ notifications: 5 })).toBe(n);
      expect(change({ events: [] })).toBe(n);
      expect(change({ events: { "m.room.power_levels": 50, "m.room.name": 50 }, notifications: { room: 20 } })).toBe(
        ALLOWED,
      );
    });
  }
  for (const [version] of byVersion({ "1-9": null })) {
    test(`v${version}: string levels are accepted`, () => {
      const { users, change } = powerRoom(version);
      expect(
        change({
          ban: "50",
          events: { "m.room.power_levels": "50", "m.room.name": " 40 " },
          users: { ...users, [DAVE]: "50", [BOB]: "+010" },
        }),
      ).toBe(ALLOWED);
    });
  }
  for (const [version, n] of byVersion(USERS_VALID)) {
    test(`v${version} ${n}: users must map valid user ids to levels`, () => {
      const { users, change } = powerRoom(version);
      expect(change({ users: { ...users, "not-a-user": 10 } })).toBe(n);
      expect(change({ users: { ...users, "@bad:host name": 10 } })).toBe(n);
      expect(change({ users: { ...users, [BOB]: "ten" } })).toBe(n);
      expect(change({ users: { ...users, [BOB]: true } })).toBe(n);
      expect(change({ users: [DAVE] })).toBe(n);
      expect(change({ users: { ...users, [BOB]: "10" } })).toBe(
        ROOM_VERSIONS[version].integerPowerLevels ? n : ALLOWED,
      );
      expect(change({ users: { ...users, "@weird local part:e.example": 0 } })).toBe(ALLOWED);
    });
  }
  for (const [version, n] of byVersion({ "1-5": "10.1" })) {
    test(`v${version} ${n}: float levels are truncated, not rejected`, () => {
      const { users, change } = powerRoom(version);
      expect(change({ users: { ...users, [BOB]: 10.9 } })).toBe(ALLOWED);
      expect(change({ users: { ...users, [BOB]: 50.5 } })).toBe(ALLOWED);
      expect(change({ users: { ...users, [BOB]: 51.5 } })).toBe(`${ruleIn(USERS_NEW, version)}.1`);
    });
  }
  test("v12 10.4: room creators may not be listed in users", () => {
    const { users, change } = powerRoom("12");
    expect(change({ users: { ...users, [ALICE]: 100 } })).toBe("10.4");
    expect(change({ users: { ...users, [ALICE]: 100 } }, ALICE)).toBe("10.4");
    expect(change({ users })).toBe(ALLOWED);
  });
  test("v12 10.4: nor may additional creators", () => {
    const room = testRoom("12", { createContent: { additional_creators: [BOB] }, members: { [BOB]: "join" } });
    const send = (users: EventContent) =>
      room.try({ type: "m.room.power_levels", sender: ALICE, state_key: "", content: { users } });
    expect(send({ [BOB]: 50 })).toBe("10.4");
    expect(send({ [CAROL]: 50 })).toBe(ALLOWED);
  });
  test("v11: listing the creator is fine", () => {
    const { users, change } = powerRoom("11");
    expect(change({ users: { ...users, [ALICE]: 100 } }, ALICE)).toBe(ALLOWED);
  });
});

describe("m.room.power_levels: the first one is allowed as is", () => {
  for (const [version, n] of byVersion(PL)) {
    test(`v${version} ${n}: without a previous power levels event any well-formed content is allowed`, () => {
      const room = testRoom(version, { powerLevels: null, members: { [BOB]: "join" } });
      const first = {
        type: "m.room.power_levels",
        sender: ALICE,
        state_key: "",
        content: { users: { [BOB]: 1000 }, ban: 1000 },
      };
      expect(room.try(first)).toBe(ALLOWED);
      // With a previous one, the same content is a change the creator cannot make before v12.
      expect(testRoom(version, { members: { [BOB]: "join" } }).try(first)).toBe(
        version === "12" ? ALLOWED : ruleIn(LEVELS, version) + ".2",
      );
    });
  }
});

describe("m.room.power_levels: changes", () => {
  for (const [version, n] of byVersion(LEVELS)) {
    test(`v${version} ${n}.1: a single level above the sender's cannot be changed or removed`, () => {
      const { change } = powerRoom(version, { ban: 75 });
      expect(change({ ban: 40 })).toBe(`${n}.1`);
      expect(change({}, DAVE, ["ban"])).toBe(`${n}.1`);
      expect(change({ ban: 75, kick: 40 })).toBe(ALLOWED);
    });
    test(`v${version} ${n}.2: nor set above the sender's`, () => {
      const { change } = powerRoom(version);
      expect(change({ kick: 60 })).toBe(`${n}.2`);
      expect(change({ state_default: 51 })).toBe(`${n}.2`);
      expect(change({ kick: 50, invite: 50, users_default: 0 })).toBe(ALLOWED);
    });
  }
  for (const [version, n] of byVersion(MAPS_CURRENT)) {
    test(`v${version} ${n}.1: an events entry above the sender's cannot be changed or removed`, () => {
      const { change } = powerRoom(version, { events: { "m.room.power_levels": 50, "m.room.tombstone": 150 } });
      expect(change({ events: { "m.room.power_levels": 50, "m.room.tombstone": 40 } })).toBe(`${n}.1`);
      expect(change({ events: { "m.room.power_levels": 50 } })).toBe(`${n}.1`);
      expect(change({ events: { "m.room.power_levels": 50, "m.room.tombstone": 150, "m.room.name": 40 } })).toBe(
        ALLOWED,
      );
    });
    test(`v${version} ${n}.1: notifications are guarded the same way from v6`, () => {
      const { change } = powerRoom(version, { notifications: { room: 75 } });
      expect(change({ notifications: { room: 40 } })).toBe(
        ROOM_VERSIONS[version].limitNotificationsPowerLevels ? `${n}.1` : ALLOWED,
      );
    });
  }
  for (const [version, n] of byVersion(MAPS_NEW)) {
    test(`v${version} ${n}.1: an events entry cannot be added or set above the sender's`, () => {
      const { change } = powerRoom(version);
      expect(change({ events: { "m.room.power_levels": 50, "m.room.name": 60 } })).toBe(`${n}.1`);
      expect(change({ events: { "m.room.power_levels": 60 } })).toBe(`${n}.1`);
      expect(change({ events: { "m.room.power_levels": 50, "m.room.name": 50 } })).toBe(ALLOWED);
    });
    test(`v${version} ${n}.1: nor a notifications entry, from v6`, () => {
      const { change } = powerRoom(version);
      expect(change({ notifications: { room: 60 } })).toBe(
        ROOM_VERSIONS[version].limitNotificationsPowerLevels ? `${n}.1` : ALLOWED,
      );
      expect(change({ notifications: { room: 50 } })).toBe(ALLOWED);
    });
  }
  for (const [version, n] of byVersion(USERS_CURRENT)) {
    test(`v${version} ${n}.1: users at or above the sender's level cannot be changed or removed`, () => {
      const { users, change } = powerRoom(version);
      expect(change({ users: { ...users, [CAROL]: 0 } })).toBe(`${n}.1`);
      const { [CAROL]: _, ...withoutCarol } = users;
      expect(change({ users: withoutCarol })).toBe(`${n}.1`);
    });
    test(`v${version} ${n}.1: the sender may change their own entry and lower users`, () => {
      const { users, change } = powerRoom(version);
      expect(change({ users: { ...users, [DAVE]: 0 } })).toBe(ALLOWED);
      expect(change({ users: { ...users, [BOB]: 30 } })).toBe(ALLOWED);
      const { [BOB]: _, ...withoutBob } = users;
      expect(change({ users: withoutBob })).toBe(ALLOWED);
    });
  }
  for (const [version, n] of byVersion(USERS_NEW)) {
    test(`v${version} ${n}.1: users cannot be added or set above the sender's level`, () => {
      const { users, change } = powerRoom(version);
      expect(change({ users: { ...users, [BOB]: 51 } })).toBe(`${n}.1`);
      expect(change({ users: { ...users, "@new:n.example": 60 } })).toBe(`${n}.1`);
      expect(change({ users: { ...users, [DAVE]: 51 } })).toBe(`${n}.1`);
      expect(change({ users: { ...users, "@new:n.example": 50 } })).toBe(ALLOWED);
    });
  }
  test("v12: creators have infinite power, so they may change anything but the creator list", () => {
    const { users, change } = powerRoom("12", { ban: 1_000_000 });
    expect(change({ users: { ...users, [CAROL]: 1_000_000 }, ban: 0 }, ALICE)).toBe(ALLOWED);
  });
});
