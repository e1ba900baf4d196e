/** The auth events selection algorithm: https://spec.matrix.org/v1.19/server-server-api/#auth-events-selection */
import { describe, expect, test } from "bun:test";
import { authEventKeysFor } from "../../src/matrix/event-auth.ts";
import { ROOM_VERSIONS } from "../../src/matrix/room-versions.ts";
import { ALICE, BOB } from "./fixtures/auth-events.ts";

const v7 = ROOM_VERSIONS["7"];
const v11 = ROOM_VERSIONS["11"];
const v12 = ROOM_VERSIONS["12"];

const create = { type: "m.room.create", state_key: "" };
const powerLevels = { type: "m.room.power_levels", state_key: "" };
const joinRules = { type: "m.room.join_rules", state_key: "" };
const memberOf = (user: string) => ({ type: "m.room.member", state_key: user });

describe("authEventKeysFor", () => {
  test("the create event has no auth events", () => {
    expect(authEventKeysFor("m.room.create", "", ALICE, { room_version: "11" }, v11)).toEqual([]);
  });
  test("other events cite the create event, power levels and the sender's membership", () => {
    expect(authEventKeysFor("m.room.message", undefined, ALICE, {}, v11)).toEqual([
      create,
      powerLevels,
      memberOf(ALICE),
    ]);
    expect(authEventKeysFor("m.room.topic", "", ALICE, {}, v11)).toEqual([create, powerLevels, memberOf(ALICE)]);
  });
  test("v12 does not cite the create event", () => {
    expect(authEventKeysFor("m.room.message", undefined, ALICE, {}, v12)).toEqual([powerLevels, memberOf(ALICE)]);
  });
  test("memberships add the target; join, invite and knock add the join rules", () => {
    for (const membership of ["join", "invite", "knock"]) {
      expect(authEventKeysFor("m.room.member", BOB, ALICE, { membership }, v11)).toEqual([
        create,
        powerLevels,
        memberOf(ALICE),
        memberOf(BOB),
        joinRules,
      ]);
    }
    for (const membership of ["leave", "ban"]) {
      expect(authEventKeysFor("m.room.member", BOB, ALICE, { membership }, v11)).toEqual([
        create,
        powerLevels,
        memberOf(ALICE),
        memberOf(BOB),
      ]);
    }
  });
  test("the sender's and the target's membership are one entry when they are the same user", () => {
    expect(authEventKeysFor("m.room.member", BOB, BOB, { membership: "leave" }, v11)).toEqual([
      create,
      powerLevels,
      memberOf(BOB),
    ]);
  });
  test("a third-party invite cites the m.room.third_party_invite named by its token", () => {
    const content = { membership: "invite", third_party_invite: { signed: { mxid: BOB, token: "tok" } } };
    expect(authEventKeysFor("m.room.member", BOB, ALICE, content, v11)).toContainEqual({
      type: "m.room.third_party_invite",
      state_key: "tok",
    });
    const noToken = { membership: "invite", third_party_invite: { signed: { mxid: BOB } } };
    expect(
      authEventKeysFor("m.room.member", BOB, ALICE, noToken, v11).some((k) => k.type === "m.room.third_party_invite"),
    ).toBe(false);
  });
  test("a restricted join cites the authorising user's membership where the version has restricted rooms", () => {
    const content = { membership: "join", join_authorised_via_users_server: "@carol:c.example" };
    expect(authEventKeysFor("m.room.member", BOB, BOB, content, v11)).toContainEqual(memberOf("@carol:c.example"));
    expect(authEventKeysFor("m.room.member", BOB, BOB, content, v7)).not.toContainEqual(memberOf("@carol:c.example"));
    const invite = { membership: "invite", join_authorised_via_users_server: "@carol:c.example" };
    expect(authEventKeysFor("m.room.member", BOB, ALICE, invite, v11)).not.toContainEqual(memberOf("@carol:c.example"));
  });
});
