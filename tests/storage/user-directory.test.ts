import { describe, expect, test } from "bun:test";
import { openDatabase } from "../../src/storage/database.ts";
import { openStores } from "../../src/storage/index.ts";

function setup() {
  const stores = openStores(openDatabase(":memory:"));
  for (const user of ["@me:x", "@mate:x", "@listed:x", "@open:x", "@reader:x", "@hidden:x", "@100%_ok:x"]) {
    stores.accounts.insertUser({ user_id: user, password_hash: null, created_ts: 1 });
  }
  const member = (roomId: string, userId: string, membership = "join") =>
    stores.memberships.upsertMembership({
      room_id: roomId,
      user_id: userId,
      membership,
      event_id: `$${roomId}${userId}`,
      stream_ordering: 1,
      displayname: null,
      avatar_url: null,
    });
  const state = (roomId: string, type: string, content: object) => {
    const eventId = `$${roomId}${type}`;
    stores.events.insertEvent({
      event_id: eventId,
      room_id: roomId,
      type,
      state_key: "",
      sender: "@x:x",
      membership: null,
      depth: 1,
      origin_server_ts: 1,
      state_group: null,
      replaces_state: null,
      txn: undefined,
      json: JSON.stringify({ content }),
    });
    stores.roomState.upsertCurrent(roomId, { type, state_key: "", event_id: eventId });
  };
  return { stores, member, state };
}

const search = (stores: ReturnType<typeof openStores>, term: string, limit = 10) =>
  stores.userDirectory.searchVisibleUsers("@me:x", term, limit).map((row) => row.user_id);

describe("user directory store", () => {
  test("keeps users joined to a shared room, a room with a public join rule or world_readable history; a listing alone does not count", () => {
    const { stores, member, state } = setup();
    for (const roomId of ["!shared:x", "!listed:x", "!open:x", "!readable:x", "!hidden:x"])
      stores.rooms.insertRoom({ room_id: roomId, room_version: "12", creator: "@x:x", created_ts: 1 });
    member("!shared:x", "@me:x");
    member("!shared:x", "@mate:x");
    member("!shared:x", "@hidden:x", "invite");
    member("!listed:x", "@listed:x");
    stores.directory.insertListing("!listed:x", "", 1);
    state("!listed:x", "m.room.join_rules", { join_rule: "invite" });
    member("!open:x", "@open:x");
    state("!open:x", "m.room.join_rules", { join_rule: "public" });
    member("!readable:x", "@reader:x");
    state("!readable:x", "m.room.history_visibility", { history_visibility: "world_readable" });
    member("!hidden:x", "@hidden:x");
    state("!hidden:x", "m.room.join_rules", { join_rule: "knock" });
    state("!hidden:x", "m.room.history_visibility", { history_visibility: "shared" });
    expect(search(stores, "x").sort()).toEqual(["@mate:x", "@me:x", "@open:x", "@reader:x"]);
  });

  test("matches the term literally and stops at the limit", () => {
    const { stores, member } = setup();
    stores.rooms.insertRoom({ room_id: "!r:x", room_version: "12", creator: "@x:x", created_ts: 1 });
    for (const user of ["@me:x", "@mate:x", "@100%_ok:x"]) member("!r:x", user);
    expect(search(stores, "0%_")).toEqual(["@100%_ok:x"]);
    expect(search(stores, "%")).toEqual(["@100%_ok:x"]);
    expect(search(stores, "m", 1)).toEqual(["@mate:x"]);
  });
});
