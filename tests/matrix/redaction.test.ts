import { describe, expect, test } from "bun:test";
import type { EventContent, Pdu } from "../../src/matrix/pdu.ts";
import { redactEventJson, redactPdu } from "../../src/matrix/redaction.ts";
import { ROOM_VERSIONS, type RoomVersionId } from "../../src/matrix/room-versions.ts";

const ALL_VERSIONS = Object.keys(ROOM_VERSIONS) as RoomVersionId[];
const numbered = (from: number, to: number) => ALL_VERSIONS.filter((id) => Number(id) >= from && Number(id) <= to);

function event(type: string, content: EventContent, extra: Record<string, unknown> = {}): Pdu {
  return {
    room_id: "!r:example.org",
    sender: "@u:example.org",
    type,
    state_key: "",
    content,
    origin_server_ts: 1,
    depth: 2,
    prev_events: ["$prev"],
    auth_events: ["$auth"],
    hashes: { sha256: "hash" },
    signatures: { "example.org": { "ed25519:1": "sig" } },
    ...extra,
  };
}

function redactedContent(version: RoomVersionId, type: string, content: EventContent): EventContent {
  return redactPdu(event(type, content), ROOM_VERSIONS[version]).content;
}

describe("top-level keys", () => {
  const full = event(
    "m.room.message",
    { body: "hi" },
    {
      event_id: "$e:example.org",
      origin: "example.org",
      membership: "join",
      prev_state: [],
      redacts: "$other",
      unsigned: { age_ts: 1 },
      extra: "dropped",
    },
  );
  const essential = {
    event_id: "$e:example.org",
    room_id: "!r:example.org",
    sender: "@u:example.org",
    type: "m.room.message",
    state_key: "",
    content: {},
    origin_server_ts: 1,
    depth: 2,
    prev_events: ["$prev"],
    auth_events: ["$auth"],
    hashes: { sha256: "hash" },
    signatures: { "example.org": { "ed25519:1": "sig" } },
  };

  test.each(numbered(1, 10))(
    "v%s keeps origin, membership and prev_state, and drops unsigned and redacts",
    (version) => {
      expect(redactPdu(full, ROOM_VERSIONS[version])).toEqual({
        ...essential,
        origin: "example.org",
        membership: "join",
        prev_state: [],
      } as unknown as Pdu);
    },
  );

  test.each(numbered(11, 12))("v%s no longer keeps origin, membership and prev_state", (version) => {
    expect(redactPdu(full, ROOM_VERSIONS[version])).toEqual(essential as unknown as Pdu);
  });

  test("does not change its input", () => {
    const copy = structuredClone(full);
    redactPdu(full, ROOM_VERSIONS["1"]);
    expect(full).toEqual(copy);
  });

  test("treats a non-object content of untrusted JSON as empty", () => {
    expect(redactEventJson({ type: "m.room.member", content: "join" }, ROOM_VERSIONS["11"])).toEqual({
      type: "m.room.member",
      content: {},
    });
  });
});

describe("m.room.member", () => {
  const content = {
    membership: "join",
    displayname: "U",
    join_authorised_via_users_server: "@admin:example.org",
    third_party_invite: {
      display_name: "u@example.org",
      signed: { mxid: "@u:example.org", token: "t", signatures: {} },
    },
  };

  test.each(numbered(1, 8))("v%s keeps membership only", (version) => {
    expect(redactedContent(version, "m.room.member", content)).toEqual({ membership: "join" });
  });

  test.each(numbered(9, 10))("v%s also keeps join_authorised_via_users_server", (version) => {
    expect(redactedContent(version, "m.room.member", content)).toEqual({
      membership: "join",
      join_authorised_via_users_server: "@admin:example.org",
    });
  });

  test.each(numbered(11, 12))("v%s also keeps the signed part of third_party_invite", (version) => {
    expect(redactedContent(version, "m.room.member", content)).toEqual({
      membership: "join",
      join_authorised_via_users_server: "@admin:example.org",
      third_party_invite: { signed: { mxid: "@u:example.org", token: "t", signatures: {} } },
    });
  });

  test("v11 reduces a third_party_invite without signed to an empty object, and drops a non-object one", () => {
    expect(
      redactedContent("11", "m.room.member", { membership: "invite", third_party_invite: { display_name: "x" } }),
    ).toEqual({
      membership: "invite",
      third_party_invite: {},
    });
    expect(redactedContent("11", "m.room.member", { membership: "invite", third_party_invite: "x" })).toEqual({
      membership: "invite",
    });
  });
});

describe("m.room.create", () => {
  const content = {
    creator: "@u:example.org",
    room_version: "1",
    "m.federate": false,
    predecessor: { room_id: "!old:example.org" },
  };

  test.each(numbered(1, 10))("v%s keeps creator only", (version) => {
    expect(redactedContent(version, "m.room.create", content)).toEqual({ creator: "@u:example.org" });
  });

  test.each(numbered(11, 12))("v%s keeps all of content", (version) => {
    expect(redactedContent(version, "m.room.create", content)).toEqual(content);
  });
});

describe("m.room.join_rules", () => {
  const content = {
    join_rule: "restricted",
    allow: [{ type: "m.room_membership", room_id: "!s:example.org" }],
    other: 1,
  };

  test.each(numbered(1, 7))("v%s keeps join_rule only", (version) => {
    expect(redactedContent(version, "m.room.join_rules", content)).toEqual({ join_rule: "restricted" });
  });

  test.each(numbered(8, 12))("v%s also keeps allow", (version) => {
    expect(redactedContent(version, "m.room.join_rules", content)).toEqual({
      join_rule: "restricted",
      allow: content.allow,
    });
  });
});

describe("m.room.power_levels", () => {
  const kept = {
    ban: 50,
    events: { "m.room.name": 50 },
    events_default: 0,
    kick: 50,
    redact: 50,
    state_default: 50,
    users: { "@u:example.org": 100 },
    users_default: 0,
  };
  const content = { ...kept, invite: 0, notifications: { room: 50 }, historical: 100 };

  test.each(numbered(1, 10))("v%s keeps the listed keys but not invite or notifications", (version) => {
    expect(redactedContent(version, "m.room.power_levels", content)).toEqual(kept);
  });

  test.each(numbered(11, 12))("v%s also keeps invite", (version) => {
    expect(redactedContent(version, "m.room.power_levels", content)).toEqual({ ...kept, invite: 0 });
  });
});

describe("m.room.aliases", () => {
  test.each(numbered(1, 5))("v%s keeps aliases", (version) => {
    expect(redactedContent(version, "m.room.aliases", { aliases: ["#a:example.org"] })).toEqual({
      aliases: ["#a:example.org"],
    });
  });

  test.each(numbered(6, 12))("v%s keeps nothing", (version) => {
    expect(redactedContent(version, "m.room.aliases", { aliases: ["#a:example.org"] })).toEqual({});
  });
});

describe("other types", () => {
  test.each(ALL_VERSIONS)("v%s keeps history_visibility and empties a message", (version) => {
    expect(redactedContent(version, "m.room.history_visibility", { history_visibility: "shared", x: 1 })).toEqual({
      history_visibility: "shared",
    });
    expect(redactedContent(version, "m.room.message", { msgtype: "m.text", body: "hi" })).toEqual({});
  });

  test.each(numbered(1, 10))("v%s keeps nothing of a redaction's content", (version) => {
    expect(redactedContent(version, "m.room.redaction", { redacts: "$x", reason: "spam" })).toEqual({});
  });

  test.each(numbered(11, 12))("v%s keeps redacts in a redaction's content", (version) => {
    expect(redactedContent(version, "m.room.redaction", { redacts: "$x", reason: "spam" })).toEqual({ redacts: "$x" });
  });

  test("only keeps keys that were present", () => {
    expect(redactedContent("11", "m.room.power_levels", { ban: 50 })).toEqual({ ban: 50 });
  });
});
