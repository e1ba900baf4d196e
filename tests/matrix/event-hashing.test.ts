import { describe, expect, test } from "bun:test";
import { decodeBase64, encodeUnpaddedBase64 } from "../../src/matrix/base64.ts";
import { CanonicalJsonError } from "../../src/matrix/canonical-json.ts";
import {
  checkPduSignature,
  contentHash,
  eventIdOf,
  finalizePdu,
  referenceHash,
  roomIdFromCreateEvent,
  verifyPduHashes,
  type ProtoPdu,
} from "../../src/matrix/event-hashing.ts";
import { isValidEventId, isValidRoomId } from "../../src/matrix/ids.ts";
import type { Pdu } from "../../src/matrix/pdu.ts";
import { redactPdu } from "../../src/matrix/redaction.ts";
import { ROOM_VERSIONS, type RoomVersionId } from "../../src/matrix/room-versions.ts";
import { publicKeyBase64 } from "../../src/matrix/signing.ts";

// https://spec.matrix.org/v1.19/appendices/#cryptographic-test-vectors
const key = { keyId: "ed25519:1", seed: decodeBase64("YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1") };
const publicKey = publicKeyBase64(key.seed);

/** The appendix's "minimally-sized event". It has no event_id, so it is a v3+ PDU. */
const minimalEvent: ProtoPdu = {
  room_id: "!x:domain",
  sender: "@a:domain",
  origin: "domain",
  origin_server_ts: 1000000,
  signatures: {},
  hashes: {} as Pdu["hashes"],
  type: "X",
  content: {},
  prev_events: [],
  auth_events: [],
  depth: 3,
  unsigned: { age_ts: 1000000 },
};

/** The appendix's "event containing redactable content": a v1-style event (it carries event_id). */
const redactableEvent = {
  content: { body: "Here is the message content" },
  event_id: "$0:domain",
  origin: "domain",
  origin_server_ts: 1000000,
  type: "m.room.message",
  room_id: "!r:domain",
  sender: "@u:domain",
  signatures: {},
  unsigned: { age_ts: 1000000 },
  // The vector lacks depth, prev_events and auth_events; finalizePdu does not need them.
} as unknown as ProtoPdu;

const numbered = (from: number, to: number) =>
  (Object.keys(ROOM_VERSIONS) as RoomVersionId[]).filter((id) => Number(id) >= from && Number(id) <= to);

describe("the spec's event signing vectors", () => {
  // Any room version whose redaction keeps `origin` and which has no event_id in the PDU.
  test.each(numbered(3, 10))("the minimal event in v%s", (version) => {
    const { pdu } = finalizePdu(minimalEvent, ROOM_VERSIONS[version], "domain", key);
    expect(pdu.hashes).toEqual({ sha256: "5jM4wQpv6lnBo7CLIghJuHdW+s2CMBJPUOGOC89ncos" });
    expect(pdu.signatures).toEqual({
      domain: { "ed25519:1": "KxwGjPSDEtvnFgU00fwFz+l6d2pJM6XBIaMEn81SXPTRl16AqLAYqfIReFGZlHi5KLjAWbOoMszkwsQma+lYAg" },
    });
    expect(pdu.unsigned).toEqual({ age_ts: 1000000 });
    expect(verifyPduHashes(pdu)).toBe(true);
    expect(checkPduSignature(pdu, ROOM_VERSIONS[version], "domain", "ed25519:1", publicKey)).toBe(true);
  });

  test("the event with redactable content, whose signature covers only the redacted form", () => {
    const { event_id, pdu } = finalizePdu(redactableEvent, ROOM_VERSIONS["1"], "domain", key);
    expect(event_id).toBe("$0:domain");
    expect(pdu.hashes).toEqual({ sha256: "onLKD1bGljeBWQhWZ1kaP9SorVmRQNdN5aM2JYU2n/g" });
    expect(pdu.signatures).toEqual({
      domain: { "ed25519:1": "Wm+VzmOUOz08Ds+0NTWb1d4CZrVsJSikkeRxh6aCcUwu6pNC78FunoD7KNWzqFn241eYHYMGCA5McEiVPdhzBA" },
    });
    expect(pdu.content).toEqual({ body: "Here is the message content" });
  });

  test("v11 signs a different redacted form, since it no longer keeps origin", () => {
    const { pdu } = finalizePdu(minimalEvent, ROOM_VERSIONS["11"], "domain", key);
    expect(pdu.hashes.sha256).toBe("5jM4wQpv6lnBo7CLIghJuHdW+s2CMBJPUOGOC89ncos");
    expect(pdu.signatures.domain?.["ed25519:1"]).not.toBe(
      "KxwGjPSDEtvnFgU00fwFz+l6d2pJM6XBIaMEn81SXPTRl16AqLAYqfIReFGZlHi5KLjAWbOoMszkwsQma+lYAg",
    );
    expect(checkPduSignature(pdu, ROOM_VERSIONS["11"], "domain", "ed25519:1", publicKey)).toBe(true);
  });
});

// Events from the public federation, with the IDs other servers computed for them, as
// published in matrix-org/gomatrixserverlib's eventversion_test.go.
describe("event IDs of real events", () => {
  const v1Event = JSON.parse(
    `{"auth_events":[["$oXL79cT7fFxR7dPH:localhost",{"sha256":"abjkiDSg1RkuZrbj2jZoGMlQaaj1Ue3Jhi7I7NlKfXY"}],["$IVUsaSkm1LBAZYYh:localhost",{"sha256":"X7RUj46hM/8sUHNBIFkStbOauPvbDzjSdH4NibYWnko"}],["$VS2QT0EeArZYi8wf:localhost",{"sha256":"k9eM6utkCH8vhLW9/oRsH74jOBS/6RVK42iGDFbylno"}]],"content":{"name":"test3"},"depth":7,"event_id":"$yvN1b43rlmcOs5fY:localhost","hashes":{"sha256":"Oh1mwI1jEqZ3tgJ+V1Dmu5nOEGpCE4RFUqyJv2gQXKs"},"origin":"localhost","origin_server_ts":1510854416361,"prev_events":[["$FqI6TVvWpcbcnJ97:localhost",{"sha256":"upCsBqUhNUgT2/+zkzg8TbqdQpWWKQnZpGJc6KcbUC4"}]],"prev_state":[],"room_id":"!19Mp0U9hjajeIiw1:localhost","sender":"@test:localhost","signatures":{"localhost":{"ed25519:u9kP":"5IzSuRXkxvbTp0vZhhXYZeOe+619iG3AybJXr7zfNn/4vHz4TH7qSJVQXSaHHvcTcDodAKHnTG1WDulgO5okAQ"}},"state_key":"","type":"m.room.name"}`,
  ) as Pdu;
  const createEvent = JSON.parse(
    `{"auth_events": [], "prev_events": [], "type": "m.room.create", "room_id": "!uXDCzlYgCTHtiWCkEx:jki.re", "sender": "@erikj:jki.re", "content": {"room_version": "5", "predecessor": {"room_id": "!gdRMqOrTFdOCYHNwOo:half-shot.uk", "event_id": "$LP7ROBc4b+cMc1UE9haIz8q5AK2AIW4eJ90FfKLvyZI"}, "creator": "@erikj:jki.re"}, "depth": 1, "prev_state": [], "state_key": "", "origin": "jki.re", "origin_server_ts": 1560284621137, "hashes": {"sha256": "IX6zuNiJpJPNf70BLleL3HSCpjKeq9Uhu7uUpyDjBmc"}, "signatures": {"jki.re": {"ed25519:auto": "O4IyFfF2PPtGp5uaDm8t57dZbdh8vc8Q64LgCwvzYRVItAMI0uisfiAFaxkVT7MRpzh6N2QNN5NMRXZKmgPYDA"}}, "unsigned": {"age": 1321650}}`,
  ) as Pdu;

  test("a v1 event carries its ID, and its content hash matches", () => {
    expect(eventIdOf(v1Event, ROOM_VERSIONS["1"])).toBe("$yvN1b43rlmcOs5fY:localhost");
    expect(verifyPduHashes(v1Event)).toBe(true);
  });

  test("a v5 create event: standard base64 in v3, URL-safe from v4", () => {
    expect(verifyPduHashes(createEvent)).toBe(true);
    expect(eventIdOf(createEvent, ROOM_VERSIONS["3"])).toBe("$RrGxF28UrHLmoASHndYb9Jb/1SFww2ptmtur9INS438");
    expect(eventIdOf(createEvent, ROOM_VERSIONS["4"])).toBe("$RrGxF28UrHLmoASHndYb9Jb_1SFww2ptmtur9INS438");
    expect(eventIdOf(createEvent, ROOM_VERSIONS["5"])).toBe("$RrGxF28UrHLmoASHndYb9Jb_1SFww2ptmtur9INS438");
  });

  test("the reference hash is that of the redacted event", () => {
    const version = ROOM_VERSIONS["5"];
    expect(referenceHash(redactPdu(createEvent, version), version)).toEqual(referenceHash(createEvent, version));
  });
});

describe("event IDs and reference hashes", () => {
  const message: ProtoPdu = {
    room_id: "!r:example.org",
    sender: "@u:example.org",
    type: "m.room.message",
    content: { msgtype: "m.text", body: "hello" },
    origin_server_ts: 1700000000000,
    depth: 5,
    prev_events: ["$prev"],
    auth_events: ["$create", "$member"],
  };

  test.each(numbered(3, 12))("v%s IDs have the version's form and are deterministic", (version) => {
    const first = finalizePdu(message, ROOM_VERSIONS[version], "example.org", key);
    const reordered = finalizePdu(
      Object.fromEntries(Object.entries(message).reverse()) as ProtoPdu,
      ROOM_VERSIONS[version],
      "example.org",
      key,
    );
    expect(isValidEventId(first.event_id, ROOM_VERSIONS[version])).toBe(true);
    expect(reordered.event_id).toBe(first.event_id);
  });

  test("ignore unsigned and signatures, but cover the content through hashes.sha256", () => {
    const version = ROOM_VERSIONS["11"];
    const { event_id, pdu } = finalizePdu(message, version, "example.org", key);
    expect(eventIdOf({ ...pdu, unsigned: { age: 5 }, signatures: {} }, version)).toBe(event_id);
    expect(eventIdOf(redactPdu(pdu, version), version)).toBe(event_id);
    const edited = finalizePdu(
      { ...message, content: { msgtype: "m.text", body: "edited" } },
      version,
      "example.org",
      key,
    );
    expect(edited.event_id).not.toBe(event_id);
  });

  test("the content hash leaves out unsigned, signatures and hashes", () => {
    const bare = contentHash(message);
    expect(contentHash({ ...message, unsigned: { age: 1 }, signatures: { x: {} }, hashes: { sha256: "x" } })).toEqual(
      bare,
    );
    expect(encodeUnpaddedBase64(bare)).toHaveLength(43);
  });
});

describe("v12 room IDs", () => {
  const create: ProtoPdu = {
    sender: "@creator:example.org",
    type: "m.room.create",
    state_key: "",
    content: { room_version: "12" },
    origin_server_ts: 1700000000000,
    depth: 1,
    prev_events: [],
    auth_events: [],
  };

  test("are the create event's ID with the sigil !", () => {
    const version = ROOM_VERSIONS["12"];
    const { event_id, pdu } = finalizePdu(create, version, "example.org", key);
    const roomId = roomIdFromCreateEvent(pdu, version);
    expect(roomId).toBe(`!${event_id.slice(1)}`);
    expect(isValidRoomId(roomId, version)).toBe(true);
  });

  test("are not derived in earlier versions", () => {
    const { pdu } = finalizePdu({ ...create, room_id: "!r:example.org" }, ROOM_VERSIONS["11"], "example.org", key);
    expect(() => roomIdFromCreateEvent(pdu, ROOM_VERSIONS["11"])).toThrow("does not derive");
  });
});

describe("finalizePdu", () => {
  const base: ProtoPdu = { ...minimalEvent, hashes: undefined, unsigned: undefined };

  test("needs the event_id in v1–v2 and refuses one from v3", () => {
    expect(() => finalizePdu(base, ROOM_VERSIONS["2"], "domain", key)).toThrow("need an event_id");
    expect(() => finalizePdu({ ...base, event_id: "$a:domain" }, ROOM_VERSIONS["4"], "domain", key)).toThrow(
      "must not carry",
    );
    expect(() => eventIdOf(base as Pdu, ROOM_VERSIONS["1"])).toThrow("has none");
  });

  test("keeps signatures from other servers", () => {
    const { pdu } = finalizePdu(
      { ...base, signatures: { "other.org": { "ed25519:x": "sig" } } },
      ROOM_VERSIONS["10"],
      "domain",
      key,
    );
    expect(Object.keys(pdu.signatures).sort()).toEqual(["domain", "other.org"]);
  });

  test("refuses what strict canonical JSON forbids: floats and integers beyond 2^53 - 1", () => {
    expect(() => finalizePdu({ ...base, content: { n: 1.5 } }, ROOM_VERSIONS["6"], "domain", key)).toThrow(
      CanonicalJsonError,
    );
    expect(() => finalizePdu({ ...base, content: { n: 2 ** 53 } }, ROOM_VERSIONS["6"], "domain", key)).toThrow(
      CanonicalJsonError,
    );
    expect(() =>
      finalizePdu({ ...base, content: { n: 2 ** 53 - 1 } }, ROOM_VERSIONS["6"], "domain", key),
    ).not.toThrow();
  });
});

describe("checking received PDUs", () => {
  const version = ROOM_VERSIONS["10"];
  const { pdu } = finalizePdu(minimalEvent, version, "domain", key);

  test("a redacted copy still passes the signature check but not the hash check", () => {
    const tampered = { ...pdu, content: { injected: true } };
    expect(checkPduSignature(tampered, version, "domain", "ed25519:1", publicKey)).toBe(true);
    expect(verifyPduHashes(tampered)).toBe(false);
  });

  test("a change to a protected key fails the signature check", () => {
    expect(checkPduSignature({ ...pdu, sender: "@b:domain" }, version, "domain", "ed25519:1", publicKey)).toBe(false);
    expect(checkPduSignature(pdu, version, "other.org", "ed25519:1", publicKey)).toBe(false);
  });

  test("a missing or malformed hash fails the hash check", () => {
    expect(verifyPduHashes({ ...pdu, hashes: { sha256: "not base64!" } })).toBe(false);
    expect(verifyPduHashes({ ...pdu, hashes: {} as Pdu["hashes"] })).toBe(false);
  });
});
