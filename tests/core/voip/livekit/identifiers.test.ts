/**
 * LiveKit room names and identities as lk-jwt-service derives them. MSC4195's test vectors
 * are checked here, on the pure functions, because its room id `!roomid:example.com` is one
 * no room of ours can have; tests/api/livekit-jwt.test.ts checks the tokens that carry them.
 */
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import {
  legacyLiveKitIdentity,
  liveKitIdentity,
  liveKitRoomAlias,
} from "../../../../src/core/voip/livekit/identifiers.ts";

const sha256Base64 = (text: string) => createHash("sha256").update(text).digest("base64").replace(/=+$/, "");

describe("LiveKit identifiers", () => {
  test("match MSC4195's test vectors for the room name and the identity", () => {
    expect(liveKitRoomAlias("!roomid:example.com", "slot1234")).toBe("O8437W3+jmzMVjoIP3tNwbm+XxHQk2iKpOA7aqw3qSc");
    expect(liveKitIdentity("@alice:example.com", "DEVICE123", "memberABC")).toBe(
      "J+T45tGruxc+HrUOqJJlyQSV33m728Cme4+vt8/SWrU",
    );
  });

  test("hash the JSON Go's json.Marshal writes: <, > and & escaped, as lk-jwt-service hashes them", () => {
    expect(liveKitRoomAlias("!a<b>&c:example.com", "m.call#ROOM")).toBe(
      sha256Base64('["!a\\u003cb\\u003e\\u0026c:example.com","m.call#ROOM"]'),
    );
  });

  test("the legacy identity is the readable user id and device", () => {
    expect(legacyLiveKitIdentity("@alice:example.com", "DEVICE123")).toBe("@alice:example.com:DEVICE123");
  });
});
