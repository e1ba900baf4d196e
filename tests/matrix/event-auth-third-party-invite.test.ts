/**
 * Invites that redeem a third-party invite (membership invite rule x.1.1–x.1.8), with real
 * ed25519 signatures from a made-up identity server, and the m.room.third_party_invite rule.
 */
import { describe, expect, test } from "bun:test";
import { decodeBase64 } from "../../src/matrix/base64.ts";
import type { EventContent } from "../../src/matrix/pdu.ts";
import type { RoomVersionId } from "../../src/matrix/room-versions.ts";
import { publicKeyBase64, signJson } from "../../src/matrix/signing.ts";
import { ALICE, ALL_VERSIONS, ALLOWED, BOB, byVersion, DAVE, powerUsers, testRoom } from "./fixtures/auth-events.ts";

const identityKey = { keyId: "ed25519:0", seed: decodeBase64("YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1") };
const otherKey = { keyId: "ed25519:0", seed: new Uint8Array(32).fill(7) };
const TOKEN = "abc123";

function signed(mxid: string, token: string, key = identityKey): EventContent {
  return signJson({ mxid, token }, "id.example", key);
}

/** A room where ALICE has published an m.room.third_party_invite for TOKEN. */
function roomWithThirdPartyInvite(
  version: RoomVersionId,
  inviteKeys: EventContent,
  members: Record<string, string> = {},
) {
  const room = testRoom(version, { members: { [DAVE]: "join", ...members } });
  room.put({
    type: "m.room.third_party_invite",
    sender: ALICE,
    state_key: TOKEN,
    content: {
      display_name: "b...@example.org",
      key_validity_url: "https://id.example/_matrix/identity/v2/pubkey/isvalid",
      ...inviteKeys,
    },
  });
  return room;
}

const publicKey = { public_key: publicKeyBase64(identityKey.seed) };

function invite(sender: string, thirdPartyInvite: EventContent | string) {
  return {
    type: "m.room.member",
    sender,
    state_key: BOB,
    content: { membership: "invite", third_party_invite: thirdPartyInvite },
  };
}

describe("invite with third_party_invite", () => {
  const INVITE_3PID = { "1-5": "5.3.1", "6-7": "4.3.1", "8-11": "4.4.1", "12": "5.4.1" };
  for (const [version, n] of byVersion(INVITE_3PID)) {
    test(`v${version} ${n}.1: rejects a banned target`, () => {
      const room = roomWithThirdPartyInvite(version, publicKey, { [BOB]: "ban" });
      expect(room.try(invite(ALICE, { display_name: "b", signed: signed(BOB, TOKEN) }))).toBe(`${n}.1`);
    });
    test(`v${version} ${n}.2: rejects a third_party_invite without signed`, () => {
      const room = roomWithThirdPartyInvite(version, publicKey);
      expect(room.try(invite(ALICE, { display_name: "b" }))).toBe(`${n}.2`);
      expect(room.try(invite(ALICE, "not an object"))).toBe(`${n}.2`);
    });
    test(`v${version} ${n}.3: rejects signed without mxid and token`, () => {
      const room = roomWithThirdPartyInvite(version, publicKey);
      expect(room.try(invite(ALICE, { signed: signJson({ mxid: BOB }, "id.example", identityKey) }))).toBe(`${n}.3`);
      expect(room.try(invite(ALICE, { signed: signJson({ token: TOKEN }, "id.example", identityKey) }))).toBe(`${n}.3`);
    });
    test(`v${version} ${n}.4: rejects an mxid that is not the state_key`, () => {
      const room = roomWithThirdPartyInvite(version, publicKey);
      expect(room.try(invite(ALICE, { signed: signed(DAVE, TOKEN) }))).toBe(`${n}.4`);
    });
    test(`v${version} ${n}.5: rejects a token without an m.room.third_party_invite`, () => {
      const room = roomWithThirdPartyInvite(version, publicKey);
      expect(room.try(invite(ALICE, { signed: signed(BOB, "other-token") }))).toBe(`${n}.5`);
    });
    test(`v${version} ${n}.6: rejects a sender other than the m.room.third_party_invite's`, () => {
      const room = roomWithThirdPartyInvite(version, publicKey);
      expect(room.try(invite(DAVE, { signed: signed(BOB, TOKEN) }))).toBe(`${n}.6`);
    });
    test(`v${version} ${n}.7: allows a signature by the public_key or any of public_keys`, () => {
      expect(roomWithThirdPartyInvite(version, publicKey).try(invite(ALICE, { signed: signed(BOB, TOKEN) }))).toBe(
        ALLOWED,
      );
      const listed = {
        public_key: publicKeyBase64(otherKey.seed),
        public_keys: [{ public_key: "not-a-key" }, { public_key: publicKeyBase64(identityKey.seed) }],
      };
      expect(roomWithThirdPartyInvite(version, listed).try(invite(ALICE, { signed: signed(BOB, TOKEN) }))).toBe(
        ALLOWED,
      );
    });
    test(`v${version} ${n}.7: the third-party rule decides before the sender's membership is looked at`, () => {
      const room = roomWithThirdPartyInvite(version, publicKey);
      room.setMembership(ALICE, "leave");
      expect(room.try(invite(ALICE, { signed: signed(BOB, TOKEN) }))).toBe(ALLOWED);
    });
    test(`v${version} ${n}.8: rejects signatures that match no public key`, () => {
      const room = roomWithThirdPartyInvite(version, publicKey);
      expect(room.try(invite(ALICE, { signed: signed(BOB, TOKEN, otherKey) }))).toBe(`${n}.8`);
      expect(room.try(invite(ALICE, { signed: { mxid: BOB, token: TOKEN } }))).toBe(`${n}.8`);
      const tampered = { ...signed(BOB, TOKEN), extra: "field" };
      expect(room.try(invite(ALICE, { signed: tampered }))).toBe(`${n}.8`);
      expect(roomWithThirdPartyInvite(version, {}).try(invite(ALICE, { signed: signed(BOB, TOKEN) }))).toBe(`${n}.8`);
    });
  }
});

describe("m.room.third_party_invite", () => {
  const THIRD_PARTY_INVITE = { "1-5": "7", "6-11": "6", "12": "7" };
  for (const [version, n] of byVersion(THIRD_PARTY_INVITE)) {
    const event = (sender: string) => ({
      type: "m.room.third_party_invite",
      sender,
      state_key: "tok",
      content: { ...publicKey, display_name: "x" },
    });
    test(`v${version} ${n}.1: allowed at the invite level, whatever the event's own required level`, () => {
      const room = testRoom(version, {
        powerLevels: { users: powerUsers(version), events: { "m.room.third_party_invite": 100 } },
        members: { [DAVE]: "join" },
      });
      expect(room.try(event(DAVE))).toBe(ALLOWED);
    });
    test(`v${version} ${n}.1: rejected below the invite level`, () => {
      const room = testRoom(version, {
        powerLevels: { users: powerUsers(version), invite: 50 },
        members: { [DAVE]: "join" },
      });
      expect(room.try(event(DAVE))).toBe(`${n}.1`);
      expect(room.try(event(ALICE))).toBe(ALLOWED);
    });
  }
  test("every version has the rule", () => {
    expect(new Set(byVersion(THIRD_PARTY_INVITE).map(([v]) => v))).toEqual(new Set(ALL_VERSIONS));
  });
});
