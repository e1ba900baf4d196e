import { describe, expect, test } from "bun:test";
import {
  deviceListPositionOf,
  formatSyncToken,
  parseSyncToken,
  tryParseSyncToken,
} from "../../../src/core/sync/sync-token.ts";
import { parseRoomToken } from "../../../src/core/timeline/tokens.ts";

const positions = {
  events: 12,
  receipts: 3,
  accountData: 4,
  pushRules: 5,
  toDevice: 6,
  deviceLists: 7,
  typing: 1700000000000,
  presence: 9,
};

describe("sync tokens", () => {
  test("round-trip every stream position, starting with the event stream", () => {
    const token = formatSyncToken(positions);
    expect(token).toBe("s12_3_4_5_6_7_1700000000000_9");
    expect(parseSyncToken(token, "since")).toEqual(positions);
    expect(deviceListPositionOf(token)).toBe(7);
  });

  test("are stream tokens to the room engine, so /messages takes next_batch", () => {
    expect(parseRoomToken(formatSyncToken(positions), "from")).toEqual({ kind: "stream", stream: 12 });
  });

  test("refuse other formats with M_INVALID_PARAM", () => {
    for (const token of [
      "",
      "s1",
      "s1_2_3_4_5_6_7",
      "s1_2_3_4_5_6_7_8_9",
      "t1_2",
      "s-1_2_3_4_5_6_7_8",
      "s1_2_3_4_5_6_7_8 ",
      "s99999999999999999_0_0_0_0_0_0_0",
    ]) {
      expect(tryParseSyncToken(token)).toBeUndefined();
    }
    expect(() => parseSyncToken("nope", "since")).toThrow(expect.objectContaining({ errcode: "M_INVALID_PARAM" }));
    expect(deviceListPositionOf("12")).toBeUndefined();
  });
});
