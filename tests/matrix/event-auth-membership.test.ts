/**
 * The m.room.member rule: rule 5 in v1–v5 and v12, rule 4 in v6–v11. Its sub-rules move as
 * v7 adds knock and v8 adds the join_authorised_via_users_server signature rule (x.2).
 * Third-party invites are in event-auth-third-party-invite.test.ts.
 */
import { describe, expect, test } from "bun:test";
import { stateKeyOf, type StoredEvent } from "../../src/matrix/pdu.ts";
import type { RoomVersionId } from "../../src/matrix/room-versions.ts";
import {
  ALICE,
  ALLOWED,
  BOB,
  byVersion,
  CAROL,
  DAVE,
  powerUsers,
  ruleIn,
  testRoom,
  type RoomOptions,
} from "./fixtures/auth-events.ts";

const MEMBER = { "1-5": "5", "6-11": "4", "12": "5" };
const JOIN = { "1-5": "5.2", "6-7": "4.2", "8-11": "4.3", "12": "5.3" };
const JOIN_PUBLIC = { "1-5": "5.2.5", "6-7": "4.2.5", "8-11": "4.3.6", "12": "5.3.6" };
const JOIN_OTHERWISE = { "1-5": "5.2.6", "6-7": "4.2.6", "8-11": "4.3.7", "12": "5.3.7" };
const INVITE = { "1-5": "5.3", "6-7": "4.3", "8-11": "4.4", "12": "5.4" };
const LEAVE = { "1-5": "5.4", "6-7": "4.4", "8-11": "4.5", "12": "5.5" };
const BAN = { "1-5": "5.5", "6-7": "4.5", "8-11": "4.6", "12": "5.6" };
const KNOCK = { "7": "4.6", "8-11": "4.7", "12": "5.7" };
const UNKNOWN = { "1-5": "5.6", "6": "4.6", "7": "4.7", "8-11": "4.8", "12": "5.8" };

function member(sender: string, target: string, membership: string, extra: Record<string, string> = {}) {
  return { type: "m.room.member", sender, state_key: target, content: { membership, ...extra } };
}

/** Levels used by the kick/ban/invite tests: DAVE is a moderator at 60, CAROL at 0. */
function moderated(
  version: RoomVersionId,
  members: Record<string, string>,
  levels: Record<string, number> = {},
): RoomOptions {
  return {
    powerLevels: { users: powerUsers(version, { [DAVE]: 60 }), ...levels },
    members: { [DAVE]: "join", ...members },
  };
}

describe("x.1: state_key and membership are required", () => {
  for (const [version, n] of byVersion(MEMBER)) {
    test(`v${version} ${n}.1`, () => {
      const room = testRoom(version);
      expect(room.try({ type: "m.room.member", sender: BOB, state_key: BOB, content: {} })).toBe(`${n}.1`);
      expect(room.try({ type: "m.room.member", sender: BOB, content: { membership: "join" } })).toBe(`${n}.1`);
      expect(room.try(member(BOB, BOB, "join"))).toBe(ALLOWED);
    });
  }
});

describe("v8+ x.2: join_authorised_via_users_server must be signed by that user's server", () => {
  for (const [version, n] of byVersion({ "8-11": "4.2.1", "12": "5.2.1" })) {
    test(`v${version} ${n}`, () => {
      const room = testRoom(version);
      const join = member(BOB, BOB, "join", { join_authorised_via_users_server: ALICE });
      expect(room.try({ ...join, signatures: { "b.example": { "ed25519:1": "s" } } })).toBe(n);
      expect(room.try({ ...join, signatures: { "b.example": { "ed25519:1": "s" }, "a.example": {} } })).toBe(n);
      expect(
        room.try({ ...join, signatures: { "b.example": { "ed25519:1": "s" }, "a.example": { "ed25519:1": "s" } } }),
      ).toBe(ALLOWED);
    });
  }
  for (const [version] of byVersion({ "1-7": null })) {
    test(`v${version}: the key means nothing yet`, () => {
      const join = member(BOB, BOB, "join", { join_authorised_via_users_server: ALICE });
      expect(testRoom(version).try({ ...join, signatures: { "b.example": { "ed25519:1": "s" } } })).toBe(ALLOWED);
    });
  }
});

describe("join", () => {
  for (const [version, n] of byVersion(JOIN)) {
    const otherwise = ruleIn(JOIN_OTHERWISE, version);

    test(`v${version} ${n}.1: the creator's join right after the create event is allowed`, () => {
      // Before v11 "the creator" is content.creator; from v11 the create event's sender.
      const room = testRoom(version, { joinRule: null, powerLevels: null, createContent: { creator: CAROL } });
      const onlyCreate = new Map<string, StoredEvent>([[stateKeyOf("m.room.create", ""), room.create]]);
      const authEvents = room.version.roomIdFromCreateEvent ? [] : [room.create.event_id];
      const firstJoin = (user: string) =>
        room.event({ ...member(user, user, "join"), prev_events: [room.create.event_id], auth_events: authEvents });
      const creator = room.version.implicitRoomCreator ? ALICE : CAROL;
      const notCreator = room.version.implicitRoomCreator ? CAROL : ALICE;
      expect(room.check(firstJoin(creator), onlyCreate)).toBe(ALLOWED);
      expect(room.check(firstJoin(notCreator), onlyCreate)).toBe(otherwise);
      // Not directly after the create event: the ordinary rules apply (no join rules: invite only).
      const later = room.event({
        ...member(creator, creator, "join"),
        prev_events: [room.create.event_id, "$other"],
        auth_events: authEvents,
      });
      expect(room.check(later, onlyCreate)).toBe(otherwise);
    });

    test(`v${version} ${n}.2: the sender may only join themself`, () => {
      expect(testRoom(version).try(member(ALICE, BOB, "join"))).toBe(`${n}.2`);
    });

    test(`v${version} ${n}.3: a banned sender cannot join, even a public room`, () => {
      const room = testRoom(version, { members: { [BOB]: "ban" } });
      expect(room.try(member(BOB, BOB, "join"))).toBe(`${n}.3`);
      expect(testRoom(version).try(member(BOB, BOB, "join"))).toBe(ALLOWED);
    });

    test(`v${version} ${n}.4: invite-only rooms admit the invited and the joined`, () => {
      expect(
        testRoom(version, { joinRule: "invite", members: { [BOB]: "invite" } }).try(member(BOB, BOB, "join")),
      ).toBe(ALLOWED);
      expect(testRoom(version, { joinRule: "invite", members: { [BOB]: "join" } }).try(member(BOB, BOB, "join"))).toBe(
        ALLOWED,
      );
      expect(testRoom(version, { joinRule: "invite", members: { [BOB]: "leave" } }).try(member(BOB, BOB, "join"))).toBe(
        otherwise,
      );
      expect(testRoom(version, { joinRule: "invite" }).try(member(BOB, BOB, "join"))).toBe(otherwise);
      expect(testRoom(version, { joinRule: null, members: { [BOB]: "invite" } }).try(member(BOB, BOB, "join"))).toBe(
        ALLOWED,
      );
    });

    test(`v${version} ${n}.4: knock rooms admit the invited from v7`, () => {
      const room = testRoom(version, { joinRule: "knock", members: { [BOB]: "invite" } });
      expect(room.try(member(BOB, BOB, "join"))).toBe(room.version.knockJoinRule ? ALLOWED : otherwise);
      expect(testRoom(version, { joinRule: "knock", members: { [BOB]: "knock" } }).try(member(BOB, BOB, "join"))).toBe(
        otherwise,
      );
    });
  }

  for (const [version, n] of byVersion(JOIN_PUBLIC)) {
    test(`v${version} ${n}: anyone not banned may join a public room`, () => {
      expect(testRoom(version).try(member(BOB, BOB, "join"))).toBe(ALLOWED);
      expect(testRoom(version, { members: { [BOB]: "leave" } }).try(member(BOB, BOB, "join"))).toBe(ALLOWED);
    });
  }

  for (const [version, n] of byVersion(JOIN_OTHERWISE)) {
    test(`v${version} ${n}: other join rules admit nobody uninvited`, () => {
      expect(testRoom(version, { joinRule: "private" }).try(member(BOB, BOB, "join"))).toBe(n);
      expect(testRoom(version, { joinRule: "invite" }).try(member(BOB, BOB, "join"))).toBe(n);
    });
  }
});

describe("restricted joins (v8+ restricted, v10+ knock_restricted)", () => {
  const signedBy = (...servers: string[]) => Object.fromEntries(servers.map((s) => [s, { "ed25519:1": "s" }]));
  const via = (authoriser: string) => ({
    ...member(BOB, BOB, "join", { join_authorised_via_users_server: authoriser }),
    signatures: signedBy("b.example", authoriser.split(":")[1] ?? ""),
  });

  for (const [version, n] of byVersion({ "8-11": "4.3.5", "12": "5.3.5" })) {
    const rules = version === "8" || version === "9" ? ["restricted"] : ["restricted", "knock_restricted"];
    for (const joinRule of rules) {
      test(`v${version} ${n}.1: ${joinRule} rooms admit the invited and joined`, () => {
        expect(testRoom(version, { joinRule, members: { [BOB]: "invite" } }).try(member(BOB, BOB, "join"))).toBe(
          ALLOWED,
        );
        expect(testRoom(version, { joinRule, members: { [BOB]: "join" } }).try(member(BOB, BOB, "join"))).toBe(ALLOWED);
      });
      test(`v${version} ${n}.2: ${joinRule} rooms reject joins not authorised by a joined user who may invite`, () => {
        expect(testRoom(version, { joinRule }).try(member(BOB, BOB, "join"))).toBe(`${n}.2`);
        expect(testRoom(version, { joinRule }).try(via(CAROL))).toBe(`${n}.2`);
        expect(testRoom(version, { joinRule, members: { [CAROL]: "invite" } }).try(via(CAROL))).toBe(`${n}.2`);
        const inviteAt50 = {
          joinRule,
          powerLevels: { users: powerUsers(version), invite: 50 },
          members: { [DAVE]: "join" },
        };
        expect(testRoom(version, inviteAt50).try(via(DAVE))).toBe(`${n}.2`);
      });
      test(`v${version} ${n}.3: ${joinRule} rooms admit joins authorised by a joined user who may invite`, () => {
        expect(testRoom(version, { joinRule }).try(via(ALICE))).toBe(ALLOWED);
        expect(testRoom(version, { joinRule, members: { [DAVE]: "join" } }).try(via(DAVE))).toBe(ALLOWED);
      });
    }
  }

  for (const [version, otherwise] of byVersion({ "1-5": "5.2.6", "6-7": "4.2.6", "8-9": "4.3.7" })) {
    const joinRule = version === "8" || version === "9" ? "knock_restricted" : "restricted";
    test(`v${version}: the ${joinRule} join rule does not exist yet, so it admits nobody uninvited`, () => {
      expect(testRoom(version, { joinRule }).try(via(ALICE))).toBe(otherwise);
      expect(testRoom(version, { joinRule, members: { [BOB]: "invite" } }).try(member(BOB, BOB, "join"))).toBe(
        otherwise,
      );
    });
  }
});

describe("invite (without a third-party invite)", () => {
  for (const [version, n] of byVersion(INVITE)) {
    test(`v${version} ${n}.2: the sender must be joined`, () => {
      expect(testRoom(version).try(member(CAROL, BOB, "invite"))).toBe(`${n}.2`);
      expect(testRoom(version, { members: { [CAROL]: "invite" } }).try(member(CAROL, BOB, "invite"))).toBe(`${n}.2`);
    });
    test(`v${version} ${n}.3: the target must not be joined or banned`, () => {
      expect(testRoom(version, { members: { [BOB]: "join" } }).try(member(ALICE, BOB, "invite"))).toBe(`${n}.3`);
      expect(testRoom(version, { members: { [BOB]: "ban" } }).try(member(ALICE, BOB, "invite"))).toBe(`${n}.3`);
      expect(testRoom(version, { members: { [BOB]: "leave" } }).try(member(ALICE, BOB, "invite"))).toBe(ALLOWED);
    });
    test(`v${version} ${n}.4: a sender at the invite level may invite`, () => {
      expect(testRoom(version).try(member(ALICE, BOB, "invite"))).toBe(ALLOWED);
      expect(testRoom(version, moderated(version, {}, { invite: 60 })).try(member(DAVE, BOB, "invite"))).toBe(ALLOWED);
    });
    test(`v${version} ${n}.5: a sender below the invite level may not`, () => {
      expect(testRoom(version, moderated(version, {}, { invite: 61 })).try(member(DAVE, BOB, "invite"))).toBe(`${n}.5`);
    });
  }
});

describe("leave", () => {
  for (const [version, n] of byVersion(LEAVE)) {
    test(`v${version} ${n}.1: users may leave or reject an invite, from v7 also withdraw a knock`, () => {
      expect(testRoom(version, { members: { [BOB]: "join" } }).try(member(BOB, BOB, "leave"))).toBe(ALLOWED);
      expect(testRoom(version, { members: { [BOB]: "invite" } }).try(member(BOB, BOB, "leave"))).toBe(ALLOWED);
      const knocked = testRoom(version, { members: { [BOB]: "knock" } });
      expect(knocked.try(member(BOB, BOB, "leave"))).toBe(knocked.version.knockJoinRule ? ALLOWED : `${n}.1`);
      expect(testRoom(version).try(member(BOB, BOB, "leave"))).toBe(`${n}.1`);
      expect(testRoom(version, { members: { [BOB]: "ban" } }).try(member(BOB, BOB, "leave"))).toBe(`${n}.1`);
      expect(testRoom(version, { members: { [BOB]: "leave" } }).try(member(BOB, BOB, "leave"))).toBe(`${n}.1`);
    });
    test(`v${version} ${n}.2: kicking needs the sender joined`, () => {
      expect(
        testRoom(version, { members: { [BOB]: "join", [CAROL]: "invite" } }).try(member(CAROL, BOB, "leave")),
      ).toBe(`${n}.2`);
    });
    test(`v${version} ${n}.3: unbanning needs the ban level`, () => {
      const room = testRoom(version, moderated(version, { [BOB]: "ban" }, { ban: 70 }));
      expect(room.try(member(DAVE, BOB, "leave"))).toBe(`${n}.3`);
      expect(room.try(member(ALICE, BOB, "leave"))).toBe(ALLOWED);
    });
    test(`v${version} ${n}.4: the kick level and a higher level than the target allow a kick`, () => {
      const room = testRoom(version, moderated(version, { [BOB]: "join" }));
      expect(room.try(member(DAVE, BOB, "leave"))).toBe(ALLOWED);
      expect(room.try(member(ALICE, DAVE, "leave"))).toBe(ALLOWED);
    });
    test(`v${version} ${n}.5: otherwise, reject`, () => {
      const room = testRoom(version, moderated(version, { [BOB]: "join" }, { kick: 70 }));
      expect(room.try(member(DAVE, BOB, "leave"))).toBe(`${n}.5`);
      const equals = testRoom(version, moderated(version, { [BOB]: "join" }, { users_default: 60 }));
      expect(equals.try(member(DAVE, BOB, "leave"))).toBe(`${n}.5`);
      expect(testRoom(version, moderated(version, {})).try(member(DAVE, ALICE, "leave"))).toBe(`${n}.5`);
    });
  }
});

describe("ban", () => {
  for (const [version, n] of byVersion(BAN)) {
    test(`v${version} ${n}.1: the sender must be joined`, () => {
      expect(testRoom(version, { members: { [CAROL]: "leave" } }).try(member(CAROL, BOB, "ban"))).toBe(`${n}.1`);
    });
    test(`v${version} ${n}.2: the ban level and a higher level than the target allow a ban, of members or not`, () => {
      expect(testRoom(version, moderated(version, { [BOB]: "join" })).try(member(DAVE, BOB, "ban"))).toBe(ALLOWED);
      expect(testRoom(version, moderated(version, {})).try(member(DAVE, CAROL, "ban"))).toBe(ALLOWED);
    });
    test(`v${version} ${n}.3: otherwise, reject`, () => {
      expect(testRoom(version, moderated(version, { [BOB]: "join" }, { ban: 61 })).try(member(DAVE, BOB, "ban"))).toBe(
        `${n}.3`,
      );
      expect(testRoom(version, moderated(version, {})).try(member(DAVE, ALICE, "ban"))).toBe(`${n}.3`);
      expect(testRoom(version, moderated(version, {}, { users_default: 60 })).try(member(DAVE, CAROL, "ban"))).toBe(
        `${n}.3`,
      );
    });
  }
});

describe("knock (v7+)", () => {
  for (const [version, n] of byVersion(KNOCK)) {
    test(`v${version} ${n}.1: only knock (and from v10 knock_restricted) rooms take knocks`, () => {
      expect(testRoom(version, { joinRule: "public" }).try(member(BOB, BOB, "knock"))).toBe(`${n}.1`);
      expect(testRoom(version, { joinRule: "invite" }).try(member(BOB, BOB, "knock"))).toBe(`${n}.1`);
      const knockRestricted = testRoom(version, { joinRule: "knock_restricted" });
      expect(knockRestricted.try(member(BOB, BOB, "knock"))).toBe(
        knockRestricted.version.knockRestrictedJoinRule ? ALLOWED : `${n}.1`,
      );
    });
    test(`v${version} ${n}.2: users knock only for themselves`, () => {
      expect(testRoom(version, { joinRule: "knock" }).try(member(ALICE, BOB, "knock"))).toBe(`${n}.2`);
    });
    test(`v${version} ${n}.3: anyone not banned, invited or joined may knock`, () => {
      expect(testRoom(version, { joinRule: "knock" }).try(member(BOB, BOB, "knock"))).toBe(ALLOWED);
      expect(testRoom(version, { joinRule: "knock", members: { [BOB]: "leave" } }).try(member(BOB, BOB, "knock"))).toBe(
        ALLOWED,
      );
      expect(testRoom(version, { joinRule: "knock", members: { [BOB]: "knock" } }).try(member(BOB, BOB, "knock"))).toBe(
        ALLOWED,
      );
    });
    test(`v${version} ${n}.4: otherwise, reject`, () => {
      for (const membership of ["ban", "invite", "join"]) {
        expect(
          testRoom(version, { joinRule: "knock", members: { [BOB]: membership } }).try(member(BOB, BOB, "knock")),
        ).toBe(`${n}.4`);
      }
    });
  }
});

describe("unknown memberships", () => {
  for (const [version, n] of byVersion(UNKNOWN)) {
    test(`v${version} ${n}: rejects memberships the version does not know`, () => {
      const room = testRoom(version, { joinRule: "knock" });
      expect(room.try(member(BOB, BOB, "dance"))).toBe(n);
      expect(room.try({ type: "m.room.member", sender: BOB, state_key: BOB, content: { membership: 1 } })).toBe(n);
      expect(room.try(member(BOB, BOB, "knock"))).toBe(room.version.knockJoinRule ? ALLOWED : n);
    });
  }
});

describe("v12 creators", () => {
  test("additional creators outrank everyone and cannot remove each other", () => {
    const room = testRoom("12", {
      createContent: { additional_creators: [BOB] },
      powerLevels: { users: { [DAVE]: 1000 } },
      members: { [BOB]: "join", [DAVE]: "join" },
    });
    expect(room.try(member(BOB, DAVE, "ban"))).toBe(ALLOWED);
    expect(room.try(member(DAVE, BOB, "ban"))).toBe("5.6.3");
    expect(room.try(member(BOB, ALICE, "leave"))).toBe("5.5.5");
    expect(room.try(member(ALICE, BOB, "ban"))).toBe("5.6.3");
  });
  test("v11: additional_creators confers nothing", () => {
    const room = testRoom("11", { createContent: { additional_creators: [BOB] }, members: { [BOB]: "join" } });
    expect(room.try(member(BOB, ALICE, "leave"))).toBe("4.5.5");
    expect(room.try(member(ALICE, BOB, "ban"))).toBe(ALLOWED);
  });
});
