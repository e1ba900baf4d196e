import { describe, expect, test } from "bun:test";
import type { MembershipRow } from "../../src/storage/memberships.ts";
import { memoryStores } from "../support/stores.ts";

let position = 0;
const member = (room: string, user: string, membership: string, extra: Partial<MembershipRow> = {}) => ({
  room_id: room,
  user_id: user,
  membership,
  event_id: `$${++position}`,
  stream_ordering: position,
  displayname: null,
  avatar_url: null,
  ...extra,
});

describe("membership store", () => {
  test("one membership per (room, user): the latest replaces it and un-forgets the room", () => {
    const s = memoryStores();
    s.memberships.upsertMembership(member("!r", "@a", "join", { displayname: "A" }));
    s.memberships.updateForgotten("!r", "@a");
    expect(s.memberships.selectMembership("!r", "@a")?.forgotten).toBe(1);
    const leave = member("!r", "@a", "leave");
    s.memberships.upsertMembership(leave);
    expect(s.memberships.selectMembership("!r", "@a")).toEqual({ ...leave, forgotten: 0 });
    expect(s.memberships.selectMembership("!r", "@b")).toBeUndefined();
  });

  test("rooms of a user and members of a room are listed by membership, in id order, and counted", () => {
    const s = memoryStores();
    for (const [room, user, membership] of [
      ["!b", "@a", "join"],
      ["!a", "@a", "join"],
      ["!c", "@a", "invite"],
      ["!a", "@c", "join"],
      ["!a", "@b", "join"],
      ["!a", "@d", "leave"],
    ] as const) {
      s.memberships.upsertMembership(member(room, user, membership));
    }
    expect(s.memberships.selectRoomsOfUser("@a", "join").map((row) => row.room_id)).toEqual(["!a", "!b"]);
    expect(s.memberships.selectRoomsOfUser("@a", "invite").map((row) => row.room_id)).toEqual(["!c"]);
    expect(s.memberships.selectMembersOfRoom("!a", "join").map((row) => row.user_id)).toEqual(["@a", "@b", "@c"]);
    expect(s.memberships.countMembers("!a", "join")).toBe(3);
    expect(s.memberships.countMembers("!a", "ban")).toBe(0);
    expect(s.memberships.selectAllOfUser("@a").map((row) => row.room_id)).toEqual(["!a", "!b", "!c"]);
  });

  test("changes since a position come in stream order", () => {
    const s = memoryStores();
    const first = member("!a", "@a", "invite");
    s.memberships.upsertMembership(first);
    s.memberships.upsertMembership(member("!b", "@a", "join"));
    s.memberships.upsertMembership(member("!a", "@a", "join"));
    expect(
      s.memberships
        .selectChangedSince("@a", first.stream_ordering - 1)
        .map((row) => `${row.room_id} ${row.membership}`),
    ).toEqual(["!b join", "!a join"]);
    expect(s.memberships.selectChangedSince("@a", position)).toEqual([]);
  });

  test("who shares a joined room with whom; heroes are the earliest other members", () => {
    const s = memoryStores();
    for (const [room, user, membership] of [
      ["!a", "@a", "join"],
      ["!a", "@b", "join"],
      ["!a", "@c", "invite"],
      ["!b", "@c", "join"],
      ["!b", "@a", "leave"],
      ["!a", "@d", "join"],
    ] as const) {
      s.memberships.upsertMembership(member(room, user, membership));
    }
    expect(s.memberships.selectUsersSharingRoomWith("@a").sort()).toEqual(["@a", "@b", "@d"]);
    expect([
      s.memberships.selectSharesRoom("@a", "@b"),
      s.memberships.selectSharesRoom("@a", "@c"),
      s.memberships.selectSharesRoom("@c", "@c"),
    ]).toEqual([true, false, true]);
    expect(s.memberships.selectHeroes("!a", "@a", ["join", "invite"], 5)).toEqual(["@b", "@c", "@d"]);
    expect(s.memberships.selectHeroes("!a", "@a", ["join"], 1)).toEqual(["@b"]);
  });

  test("a redacted member event loses its profile", () => {
    const s = memoryStores();
    const row = member("!a", "@a", "join", { displayname: "A", avatar_url: "mxc://x/y" });
    s.memberships.upsertMembership(row);
    s.memberships.clearProfile(row.event_id);
    expect(s.memberships.selectMembership("!a", "@a")).toMatchObject({
      displayname: null,
      avatar_url: null,
      membership: "join",
    });
  });
});
