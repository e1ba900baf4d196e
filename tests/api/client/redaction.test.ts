import { describe, expect, test } from "bun:test";
import { checkPduSignature } from "../../../src/matrix/event-hashing.ts";
import type { Pdu } from "../../../src/matrix/pdu.ts";
import { ROOM_VERSIONS } from "../../../src/matrix/room-versions.ts";
import { publicKeyBase64 } from "../../../src/matrix/signing.ts";
import { createTestServer, type TestServer } from "../../support/server.ts";
import { createRoom, join, roomPath, sendMessage, setState, newUser } from "../../support/rooms.ts";

async function setup(roomVersion = "12") {
  const server = createTestServer();
  const alice = await newUser(server);
  const bob = await newUser(server);
  const roomId = await createRoom(server, alice, { preset: "public_chat", room_version: roomVersion });
  await join(server, bob, roomId);
  return { server, alice, bob, roomId };
}

let txn = 0;
const redact = (server: TestServer, token: string, roomId: string, eventId: string, body: object = {}) =>
  server.put(roomPath(roomId, `/redact/${encodeURIComponent(eventId)}/r${++txn}`), body, { token });
const getEvent = (server: TestServer, token: string, roomId: string, eventId: string) =>
  server.get(roomPath(roomId, `/event/${encodeURIComponent(eventId)}`), { token });

describe("PUT /rooms/{roomId}/redact/{eventId}/{txnId}", () => {
  test("serves the redacted event with unsigned.redacted_because afterwards", async () => {
    const { server, alice, bob, roomId } = await setup();
    const eventId = await sendMessage(server, bob, roomId, "oops");
    const res = await redact(server, bob.access_token, roomId, eventId, { reason: "typo" });
    expect(res.status).toBe(200);
    const event = await getEvent(server, alice.access_token, roomId, eventId);
    expect(event.body.content).toEqual({});
    expect(event.body.unsigned.redacted_because).toMatchObject({
      type: "m.room.redaction",
      event_id: res.body.event_id,
      content: { reason: "typo", redacts: eventId },
      redacts: eventId,
    });
  });

  test("a txnId reused returns the same redaction", async () => {
    const { server, bob, roomId } = await setup();
    const eventId = await sendMessage(server, bob, roomId, "x");
    const path = roomPath(roomId, `/redact/${encodeURIComponent(eventId)}/same`);
    const first = await server.put(path, {}, { token: bob.access_token });
    const second = await server.put(path, {}, { token: bob.access_token });
    expect(second.body.event_id).toBe(first.body.event_id);
  });

  test("redacting another user's event needs the redact level", async () => {
    const { server, alice, bob, roomId } = await setup();
    const aliceEvent = await sendMessage(server, alice, roomId, "mine");
    const refused = await redact(server, bob.access_token, roomId, aliceEvent);
    expect(refused.status).toBe(403);
    expect(refused.body.errcode).toBe("M_FORBIDDEN");
    const bobEvent = await sendMessage(server, bob, roomId, "his");
    expect((await redact(server, alice.access_token, roomId, bobEvent)).status).toBe(200);
  });

  test("answers 404 for an event that is not in the room", async () => {
    const { server, alice, roomId } = await setup();
    const res = await redact(server, alice.access_token, roomId, "$nothere");
    expect(res.status).toBe(404);
    expect(res.body.errcode).toBe("M_NOT_FOUND");
  });

  test("a redaction sent through /send is applied too", async () => {
    const { server, alice, bob, roomId } = await setup("11");
    const eventId = await sendMessage(server, bob, roomId, "x");
    const res = await server.put(
      roomPath(roomId, "/send/m.room.redaction/viasend"),
      { redacts: eventId },
      { token: bob.access_token },
    );
    expect(res.status).toBe(200);
    expect((await getEvent(server, alice.access_token, roomId, eventId)).body.content).toEqual({});
  });

  test("the stored PDU keeps a valid signature after redaction", async () => {
    const { server, bob, roomId } = await setup("6");
    const eventId = await sendMessage(server, bob, roomId, "secret");
    await redact(server, bob.access_token, roomId, eventId);
    const pdu = JSON.parse(server.stores.events.selectEvent(eventId)!.json) as Pdu;
    expect(JSON.stringify(pdu)).not.toContain("secret");
    const { keyId, seed } = server.services.identity.signingKey;
    expect(checkPduSignature(pdu, ROOM_VERSIONS["6"], "test.local", keyId, publicKeyBase64(seed))).toBe(true);
  });
});

describe("what a redaction keeps, per room version", () => {
  const powerLevels = (userId: string, extra: Record<string, unknown> = {}) => ({
    users: { [userId]: 100 },
    users_default: 0,
    events: {},
    events_default: 0,
    state_default: 50,
    ban: 50,
    kick: 50,
    redact: 50,
    invite: 0,
    notifications: { room: 50 },
    ...extra,
  });

  for (const version of ["1", "6", "11"]) {
    test(`room version ${version}`, async () => {
      const { server, alice, bob, roomId } = await setup(version);
      const message = await sendMessage(server, bob, roomId, "hello");
      const pl = await setState(
        server,
        alice,
        roomId,
        "m.room.power_levels",
        "",
        powerLevels(alice.user_id, { users: { [alice.user_id]: 100, [bob.user_id]: 50 } }),
      );
      expect(pl.status).toBe(200);
      const member = (
        await setState(server, bob, roomId, "m.room.member", bob.user_id, { membership: "join", displayname: "Bob B" })
      ).body.event_id;
      for (const id of [message, pl.body.event_id, member])
        expect((await redact(server, alice.access_token, roomId, id)).status).toBe(200);

      expect((await getEvent(server, alice.access_token, roomId, message)).body.content).toEqual({});
      const redactedPl = (await getEvent(server, alice.access_token, roomId, pl.body.event_id)).body.content;
      expect(redactedPl.users).toEqual({ [alice.user_id]: 100, [bob.user_id]: 50 });
      expect(redactedPl.notifications).toBeUndefined();
      // v11 keeps `invite` in power levels.
      expect(redactedPl.invite).toBe(version === "11" ? 0 : undefined);
      expect((await getEvent(server, alice.access_token, roomId, member)).body.content).toEqual({ membership: "join" });
      // The redacted member event no longer names bob in joined_members.
      const joined = await server.get(roomPath(roomId, "/joined_members"), { token: alice.access_token });
      expect(joined.body.joined[bob.user_id]).toEqual({});
    });
  }

  test("room version 1 keeps m.room.aliases, version 6 does not", async () => {
    for (const [version, kept] of [
      ["1", true],
      ["6", false],
    ] as const) {
      const { server, alice, roomId } = await setup(version);
      const res = await setState(server, alice, roomId, "m.room.aliases", "test.local", { aliases: ["#a:test.local"] });
      expect(res.status).toBe(200);
      await redact(server, alice.access_token, roomId, res.body.event_id);
      const content = (await getEvent(server, alice.access_token, roomId, res.body.event_id)).body.content;
      expect(content).toEqual(kept ? { aliases: ["#a:test.local"] } : {});
    }
  });
});
