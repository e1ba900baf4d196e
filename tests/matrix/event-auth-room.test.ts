/**
 * The rules before membership: m.room.create (1), v12's room id rule (2), the event's
 * auth_events (2, or 3 in v12), m.federate (3, or 4), and the v1–v5 aliases / v1–v2 redaction
 * special cases.
 */
import { describe, expect, test } from "bun:test";
import { stateKeyOf, type EventContent } from "../../src/matrix/pdu.ts";
import type { RoomVersionId } from "../../src/matrix/room-versions.ts";
import {
  ALICE,
  ALL_VERSIONS,
  ALLOWED,
  BOB,
  byVersion,
  DAVE,
  powerUsers,
  testRoom,
  type EventFields,
  type TestRoom,
} from "./fixtures/auth-events.ts";

function createPdu(
  room: TestRoom,
  content: EventContent,
  fields: { prev_events?: string[]; room_id?: string | null; sender?: string } = {},
) {
  const v12 = room.version.roomIdFromCreateEvent;
  return room.event({
    type: "m.room.create",
    sender: fields.sender ?? ALICE,
    state_key: "",
    content,
    prev_events: fields.prev_events ?? [],
    auth_events: [],
    room_id: fields.room_id === undefined ? (v12 ? null : "!new:a.example") : fields.room_id,
  });
}

function validCreateContent(version: RoomVersionId): EventContent {
  return testRoom(version).version.implicitRoomCreator
    ? { room_version: version }
    : { room_version: version, creator: ALICE };
}

describe("rule 1: m.room.create", () => {
  for (const version of ALL_VERSIONS) {
    const room = testRoom(version);
    const content = validCreateContent(version);

    test(`v${version} 1.1: allows a create event without prev_events, rejects one with`, () => {
      expect(room.check(createPdu(room, content))).toBe(ALLOWED);
      expect(room.check(createPdu(room, content, { prev_events: [room.create.event_id] }))).toBe("1.1");
    });

    test(`v${version} 1.3: rejects a room_version this server does not recognise`, () => {
      expect(room.check(createPdu(room, { ...content, room_version: "13" }))).toBe("1.3");
      expect(room.check(createPdu(room, { ...content, room_version: 12 }))).toBe("1.3");
      const { room_version: _, ...withoutVersion } = content;
      expect(room.check(createPdu(room, withoutVersion))).toBe(ALLOWED);
    });
  }

  for (const [version] of byVersion({ "1-11": null })) {
    test(`v${version} 1.2: rejects a room_id whose domain is not the sender's`, () => {
      const room = testRoom(version);
      const content = validCreateContent(version);
      expect(room.check(createPdu(room, content, { room_id: "!new:b.example" }))).toBe("1.2");
      expect(room.check(createPdu(room, content, { room_id: null }))).toBe("1.2");
      expect(room.check(createPdu(room, content, { room_id: "!new:a.example" }))).toBe(ALLOWED);
    });
  }

  test("v12 1.2: rejects a create event that has a room_id (it is derived from the event)", () => {
    const room = testRoom("12");
    expect(room.check(createPdu(room, validCreateContent("12"), { room_id: "!new:a.example" }))).toBe("1.2");
    expect(room.check(createPdu(room, validCreateContent("12"), { room_id: null }))).toBe(ALLOWED);
  });

  for (const [version] of byVersion({ "1-10": null })) {
    test(`v${version} 1.4: rejects content without creator`, () => {
      const room = testRoom(version);
      expect(room.check(createPdu(room, { room_version: version }))).toBe("1.4");
      expect(room.check(createPdu(room, { room_version: version, creator: ALICE }))).toBe(ALLOWED);
    });
  }

  test("v11: creator is no longer required (1.4 is now 'otherwise, allow')", () => {
    const room = testRoom("11");
    expect(room.check(createPdu(room, { room_version: "11" }))).toBe(ALLOWED);
  });

  test("v12 1.4: additional_creators must be an array of valid user ids", () => {
    const room = testRoom("12");
    for (const additional_creators of ["@bob:b.example", [1], ["bob"], ["@bob"], ["@bob:b.example", "@:bad host"]]) {
      expect(room.check(createPdu(room, { room_version: "12", additional_creators }))).toBe("1.4");
    }
    expect(room.check(createPdu(room, { room_version: "12", additional_creators: [] }))).toBe(ALLOWED);
    // Historical localparts are still user ids.
    expect(
      room.check(
        createPdu(room, { room_version: "12", additional_creators: [BOB, "@Old Style!:c.example:8448", "@x:[::1]"] }),
      ),
    ).toBe(ALLOWED);
  });

  test("v11: additional_creators is not checked before v12", () => {
    const room = testRoom("11");
    expect(room.check(createPdu(room, { room_version: "11", additional_creators: ["bob"] }))).toBe(ALLOWED);
  });
});

describe("v12 rule 2: the room id is the create event's id", () => {
  test("allows an event whose room_id is the create event id with sigil !, rejects any other", () => {
    const room = testRoom("12");
    expect(room.try({ type: "m.room.message", sender: ALICE, content: {} })).toBe(ALLOWED);
    expect(room.try({ type: "m.room.message", sender: ALICE, content: {}, room_id: "!other" })).toBe("2");
  });
  test("rejects when the state has no create event", () => {
    const room = testRoom("12");
    const state = new Map(room.state);
    state.delete(stateKeyOf("m.room.create", ""));
    expect(room.check(room.event({ type: "m.room.message", sender: ALICE, content: {} }), state)).toBe("2");
  });
});

describe("considering the event's auth_events", () => {
  const rule = byVersion({ "1-11": "2", "12": "3" });
  const message = { type: "m.room.message", sender: ALICE, content: {} };

  for (const [version, n] of rule) {
    test(`v${version} ${n}.1: rejects two auth events for the same type and state_key`, () => {
      const room = testRoom(version);
      const oldPowerLevels = room.state.get(stateKeyOf("m.room.power_levels", ""))?.event_id ?? "";
      room.put({ type: "m.room.power_levels", sender: ALICE, state_key: "", content: { users: powerUsers(version) } });
      const selected = room.event(message).auth_events.map((a) => (typeof a === "string" ? a : a[0]));
      expect(room.try({ ...message, auth_events: selected })).toBe(ALLOWED);
      expect(room.try({ ...message, auth_events: [...selected, oldPowerLevels] })).toBe(`${n}.1`);
    });

    test(`v${version} ${n}.2: rejects auth events the selection algorithm would not pick`, () => {
      const room = testRoom(version);
      const selected = room.event(message).auth_events.map((a) => (typeof a === "string" ? a : a[0]));
      const joinRules = room.state.get(stateKeyOf("m.room.join_rules", ""))?.event_id ?? "";
      expect(room.try({ ...message, auth_events: [...selected, joinRules] })).toBe(`${n}.2`);
      const nonState = room.remember({ type: "m.room.message", sender: ALICE, content: {} }, false).event_id;
      expect(room.try({ ...message, auth_events: [...selected, nonState] })).toBe(`${n}.2`);
    });

    test(`v${version} ${n}.3: rejects auth events that were themselves rejected`, () => {
      const room = testRoom(version);
      const rejected = room.remember(
        { type: "m.room.member", sender: BOB, state_key: BOB, content: { membership: "join" } },
        true,
      );
      const accepted = room.remember(
        { type: "m.room.member", sender: BOB, state_key: BOB, content: { membership: "join" } },
        false,
      );
      const bobMessage = { type: "m.room.message", sender: BOB, content: {} };
      const others = room.event(bobMessage).auth_events.map((a) => (typeof a === "string" ? a : a[0]));
      room.state.set(stateKeyOf("m.room.member", BOB), accepted);
      expect(room.try({ ...bobMessage, auth_events: [...others, accepted.event_id] })).toBe(ALLOWED);
      expect(room.try({ ...bobMessage, auth_events: [...others, rejected.event_id] })).toBe(`${n}.3`);
    });

    const roomIdRule = version === "12" ? "3.4" : "2.5";
    test(`v${version} ${roomIdRule}: rejects auth events from another room`, () => {
      const room = testRoom(version);
      const elsewhere = room.remember(
        {
          type: "m.room.member",
          sender: ALICE,
          state_key: ALICE,
          content: { membership: "join" },
          room_id: "!elsewhere:a.example",
        },
        false,
      );
      const selected = room.event(message).auth_events.map((a) => (typeof a === "string" ? a : a[0]));
      const ownJoin = room.state.get(stateKeyOf("m.room.member", ALICE))?.event_id;
      const swapped = selected.map((id) => (id === ownJoin ? elsewhere.event_id : id));
      expect(room.try({ ...message, auth_events: swapped })).toBe(roomIdRule);
    });

    test(`v${version} ${n}: rejects an event citing an auth event that is not available`, () => {
      const room = testRoom(version);
      expect(room.try({ ...message, auth_events: ["$unknown"] })).toBe(n);
    });
  }

  for (const [version] of byVersion({ "1-11": null })) {
    test(`v${version} 2.4: rejects auth events without the m.room.create event`, () => {
      const room = testRoom(version);
      const selected = room.event(message).auth_events.map((a) => (typeof a === "string" ? a : a[0]));
      expect(room.try({ ...message, auth_events: selected.filter((id) => id !== room.create.event_id) })).toBe("2.4");
    });
    test(`v${version} 2.4: rejects when the state has no create event`, () => {
      const room = testRoom(version);
      const state = new Map(room.state);
      state.delete(stateKeyOf("m.room.create", ""));
      expect(room.check(room.event(message), state)).toBe("2.4");
    });
  }

  test("v12 3.2: the create event must not be cited", () => {
    const room = testRoom("12");
    const selected = room.event(message).auth_events.map((a) => (typeof a === "string" ? a : a[0]));
    expect(selected).not.toContain(room.create.event_id);
    expect(room.try({ ...message, auth_events: [...selected, room.create.event_id] })).toBe("3.2");
  });
});

describe("m.federate", () => {
  for (const [version, n] of byVersion({ "1-11": "3", "12": "4" })) {
    test(`v${version} ${n}: a room with m.federate false rejects senders from other servers`, () => {
      const room = testRoom(version, { createContent: { "m.federate": false } });
      expect(room.try({ type: "m.room.member", sender: BOB, state_key: BOB, content: { membership: "join" } })).toBe(n);
      expect(room.try({ type: "m.room.member", sender: DAVE, state_key: DAVE, content: { membership: "join" } })).toBe(
        ALLOWED,
      );
    });
    test(`v${version} ${n}: m.federate true (or absent) lets other servers in`, () => {
      const room = testRoom(version, { createContent: { "m.federate": true } });
      expect(room.try({ type: "m.room.member", sender: BOB, state_key: BOB, content: { membership: "join" } })).toBe(
        ALLOWED,
      );
    });
  }
});

describe("v1–v5 rule 4: m.room.aliases", () => {
  for (const [version] of byVersion({ "1-5": null })) {
    test(`v${version} 4.1: rejects aliases without a state_key`, () => {
      expect(testRoom(version).try({ type: "m.room.aliases", sender: BOB, content: { aliases: [] } })).toBe("4.1");
    });
    test(`v${version} 4.2/4.3: only the server named by state_key may send, member or not`, () => {
      const room = testRoom(version);
      expect(room.try({ type: "m.room.aliases", sender: BOB, state_key: "a.example", content: { aliases: [] } })).toBe(
        "4.2",
      );
      expect(
        room.try({
          type: "m.room.aliases",
          sender: BOB,
          state_key: "b.example",
          content: { aliases: ["#x:b.example"] },
        }),
      ).toBe(ALLOWED);
    });
  }
  for (const [version, senderJoined] of byVersion({ "6-11": "5", "12": "6" })) {
    test(`v${version}: aliases are an ordinary state event`, () => {
      const room = testRoom(version);
      expect(room.try({ type: "m.room.aliases", sender: BOB, state_key: "b.example", content: { aliases: [] } })).toBe(
        senderJoined,
      );
      expect(
        room.try({ type: "m.room.aliases", sender: ALICE, state_key: "b.example", content: { aliases: [] } }),
      ).toBe(ALLOWED);
    });
  }
});

describe("v1–v2 rule 11: m.room.redaction", () => {
  for (const [version] of byVersion({ "1-2": null })) {
    const room = testRoom(version, { members: { [BOB]: "join" } });
    test(`v${version} 11.1: the redact level may redact anything`, () => {
      expect(room.try({ type: "m.room.redaction", sender: ALICE, redacts: "$x:b.example", content: {} })).toBe(ALLOWED);
    });
    test(`v${version} 11.2: below it, only events from the redaction's own server`, () => {
      expect(room.try({ type: "m.room.redaction", sender: BOB, redacts: "$x:b.example", content: {} })).toBe(ALLOWED);
    });
    test(`v${version} 11.3: otherwise, reject`, () => {
      expect(room.try({ type: "m.room.redaction", sender: BOB, redacts: "$x:a.example", content: {} })).toBe("11.3");
      expect(room.try({ type: "m.room.redaction", sender: BOB, content: {} })).toBe("11.3");
    });
  }
  for (const [version] of byVersion({ "3-12": null })) {
    test(`v${version}: redactions are authorized like other events (the redact level is not consulted)`, () => {
      const room = testRoom(version, { members: { [BOB]: "join" } });
      const redaction: Pick<EventFields, "redacts" | "content"> = room.version.redactsInContent
        ? { content: { redacts: "$x" } }
        : { redacts: "$x" };
      expect(room.try({ type: "m.room.redaction", sender: BOB, ...redaction })).toBe(ALLOWED);
    });
  }
});
