/**
 * Every stored event is a valid PDU of its room version: the content hash matches, this
 * server's signature verifies, the event id is the one the version defines, and the event
 * cites its prev and auth events in the version's form.
 */
import { describe, expect, test } from "bun:test";
import { encodeUnpaddedBase64 } from "../../../src/matrix/base64.ts";
import {
  checkPduSignature,
  eventIdOf,
  referenceHash,
  roomIdFromCreateEvent,
  verifyPduHashes,
} from "../../../src/matrix/event-hashing.ts";
import { isValidEventId, isValidRoomId } from "../../../src/matrix/ids.ts";
import type { Pdu } from "../../../src/matrix/pdu.ts";
import { ROOM_VERSIONS, type RoomVersionId } from "../../../src/matrix/room-versions.ts";
import { publicKeyBase64 } from "../../../src/matrix/signing.ts";
import { createTestServer } from "../../support/server.ts";
import { createRoom, invite, join, newUser, roomPath, sendMessage, setState } from "../../support/rooms.ts";

describe("stored events are signed PDUs of their room version", () => {
  for (const id of ["1", "2", "3", "4", "6", "9", "11", "12"] as RoomVersionId[]) {
    test(`room version ${id}`, async () => {
      const version = ROOM_VERSIONS[id];
      const server = createTestServer();
      const alice = await newUser(server);
      const bob = await newUser(server);
      const roomId = await createRoom(server, alice, {
        room_version: id,
        preset: "public_chat",
        name: "signed",
        topic: "t",
      });
      await join(server, bob, roomId);
      await sendMessage(server, bob, roomId, "hello");
      await setState(server, alice, roomId, "m.room.topic", "", { topic: "changed" });
      const carol = await newUser(server);
      await invite(server, alice, roomId, carol);
      const redacted = await sendMessage(server, bob, roomId, "to redact");
      expect(
        (
          await server.put(
            roomPath(roomId, `/redact/${encodeURIComponent(redacted)}/x`),
            {},
            { token: bob.access_token },
          )
        ).status,
      ).toBe(200);

      expect(isValidRoomId(roomId, version)).toBe(true);
      const { keyId, seed } = server.services.identity.signingKey;
      const publicKey = publicKeyBase64(seed);
      const rows = server.stores.events.selectRoomEvents(roomId);
      expect(rows.length).toBeGreaterThan(10);
      const pdus = new Map(rows.map((row) => [row.event_id, JSON.parse(row.json) as Pdu]));
      for (const row of rows) {
        const pdu = pdus.get(row.event_id)!;
        expect(isValidEventId(row.event_id, version)).toBe(true);
        expect(eventIdOf(pdu, version)).toBe(row.event_id);
        expect(checkPduSignature(pdu, version, "test.local", keyId, publicKey)).toBe(true);
        // A redacted PDU keeps the hash of its full content, which no longer matches.
        expect(verifyPduHashes(pdu)).toBe(row.redacted_by === null);
        if (pdu.type === "m.room.create") {
          expect(pdu.prev_events).toEqual([]);
          if (version.roomIdFromCreateEvent) expect(roomIdFromCreateEvent(pdu, version)).toBe(roomId);
          else expect(pdu.room_id).toBe(roomId);
          continue;
        }
        expect(pdu.room_id).toBe(roomId);
        for (const reference of [...pdu.prev_events, ...pdu.auth_events]) {
          if (version.eventIdFormat === "v1") {
            // v1–v2 cite [event_id, {sha256: reference hash}].
            expect(Array.isArray(reference)).toBe(true);
            const [citedId, hashes] = reference as [string, { sha256: string }];
            expect(hashes.sha256).toBe(encodeUnpaddedBase64(referenceHash(pdus.get(citedId)!, version)));
          } else {
            expect(typeof reference).toBe("string");
            expect(pdus.has(reference as string)).toBe(true);
          }
        }
      }
      // Depth grows along the single chain of a local room.
      const depths = rows.map((row) => row.depth);
      expect(depths).toEqual([...depths].sort((a, b) => a - b));
      expect(new Set(depths).size).toBe(depths.length);
    });
  }
});
