import { describe, expect, test } from "bun:test";
import { createUser, deactivateUser, pathId, type TestUser } from "../../support/fixtures.ts";
import { createRoom, invite, join, roomPath, setState } from "../../support/rooms.ts";
import { createTestServer, type TestServer } from "../../support/server.ts";

const SEARCH = "/_matrix/client/v3/user_directory/search";

async function search(server: TestServer, searcher: TestUser, term: string, limit?: number) {
  const res = await server.post(
    SEARCH,
    { search_term: term, ...(limit !== undefined ? { limit } : {}) },
    { token: searcher.access_token },
  );
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { results: { user_id: string; display_name?: string; avatar_url?: string }[]; limited: boolean };
}

const ids = (body: { results: { user_id: string }[] }) => body.results.map((user) => user.user_id);

/** A private room (invite only, shared history) that `owner` creates and `members` join. */
async function privateRoomWith(server: TestServer, owner: TestUser, ...members: TestUser[]): Promise<string> {
  const roomId = await createRoom(server, owner, { preset: "private_chat" });
  for (const member of members) {
    await invite(server, owner, roomId, member);
    await join(server, member, roomId);
  }
  return roomId;
}

describe("POST /user_directory/search: what it matches", () => {
  test("finds users by user id and display name, case-insensitively", async () => {
    const server = createTestServer();
    const me = await createUser(server, "searcher", null);
    const ann = await createUser(server, "ann", null);
    const bob = await createUser(server, "bob", null);
    await privateRoomWith(server, me, ann, bob);
    await server.put(
      `/_matrix/client/v3/profile/${pathId(ann.user_id)}/displayname`,
      { displayname: "Annabel Lee" },
      { token: ann.access_token },
    );
    expect(await search(server, me, "annabel")).toEqual({
      results: [{ user_id: "@ann:test.local", display_name: "Annabel Lee" }],
      limited: false,
    });
    expect((await search(server, me, "BOB")).results).toEqual([{ user_id: "@bob:test.local", display_name: "bob" }]);
    expect((await search(server, me, "%")).results).toEqual([]);
  });

  test("honours the limit and says when it cut the results", async () => {
    const server = createTestServer();
    const me = await createUser(server, "me", null);
    const team = [
      await createUser(server, "team1", null),
      await createUser(server, "team2", null),
      await createUser(server, "team3", null),
    ];
    await privateRoomWith(server, me, ...team);
    const page = await search(server, me, "team", 2);
    expect(ids(page)).toEqual(["@team1:test.local", "@team2:test.local"]);
    expect(page.limited).toBe(true);
    expect(await search(server, me, "team", 3)).toMatchObject({ limited: false });
  });

  test("leaves out deactivated users and guests, even in a shared room", async () => {
    const server = createTestServer({ allow_guest_registration: true });
    const me = await createUser(server, "me", null);
    const gone = await createUser(server, "gonegirl", null);
    const roomId = await createRoom(server, me, {
      preset: "public_chat",
      initial_state: [{ type: "m.room.guest_access", state_key: "", content: { guest_access: "can_join" } }],
    });
    await join(server, gone, roomId);
    const guest = (await server.post("/_matrix/client/v3/register?kind=guest", {})).body as TestUser;
    await join(server, guest, roomId);
    expect(ids(await search(server, me, "gonegirl"))).toEqual(["@gonegirl:test.local"]);
    deactivateUser(server, gone);
    expect((await search(server, me, "gonegirl")).results).toEqual([]);
    expect((await search(server, me, guest.user_id.slice(1, 8))).results).toEqual([]);
  });

  test("LIKE wildcards in the term match themselves; a long term matches no one instead of failing", async () => {
    const server = createTestServer();
    const me = await createUser(server, "me", null);
    const odd = await createUser(server, "odd", null);
    await privateRoomWith(server, me, odd);
    await server.put(
      `/_matrix/client/v3/profile/${pathId(odd.user_id)}/displayname`,
      { displayname: "100%_sure\\" },
      { token: odd.access_token },
    );
    expect(ids(await search(server, me, "0%_s"))).toEqual([odd.user_id]);
    expect(ids(await search(server, me, "_sure\\"))).toEqual([odd.user_id]);
    expect((await search(server, me, "1_0")).results).toEqual([]);
    // SQLite refuses LIKE patterns over 50,000 bytes: these were a 500.
    for (const term of ["%".repeat(60_000), "a".repeat(100_000), "é".repeat(30_000)]) {
      expect(await search(server, me, term)).toEqual({ results: [], limited: false });
    }
    // The longest display name still finds its owner.
    const longName = "n".repeat(256);
    await server.put(
      `/_matrix/client/v3/profile/${pathId(odd.user_id)}/displayname`,
      { displayname: longName },
      { token: odd.access_token },
    );
    expect(ids(await search(server, me, longName))).toEqual([odd.user_id]);
    expect((await search(server, me, `${longName}n`)).results).toEqual([]);
  });

  test("needs a search_term and a token", async () => {
    const server = createTestServer();
    const me = await createUser(server, undefined, null);
    expect((await server.post(SEARCH, {}, { token: me.access_token })).body.errcode).toBe("M_MISSING_PARAM");
    expect((await server.post(SEARCH, { search_term: "x" })).body.errcode).toBe("M_MISSING_TOKEN");
  });
});

describe("POST /user_directory/search: who is visible", () => {
  test("a stranger who shares no room and sits in no public room is not found", async () => {
    const server = createTestServer();
    const me = await createUser(server, "seeker", null);
    const stranger = await createUser(server, "stranger", null);
    const friend = await createUser(server, "strangerfriend", null);
    await privateRoomWith(server, stranger, friend);
    expect((await search(server, me, "stranger")).results).toEqual([]);
  });

  test("a room-mate in a private room is found; an invited user is not until they join", async () => {
    const server = createTestServer();
    const me = await createUser(server, "seeker", null);
    const mate = await createUser(server, "mate", null);
    const roomId = await privateRoomWith(server, me);
    await invite(server, me, roomId, mate);
    expect((await search(server, me, "mate")).results).toEqual([]);
    await join(server, mate, roomId);
    expect(ids(await search(server, me, "mate"))).toEqual(["@mate:test.local"]);
    // Visibility goes both ways.
    expect(ids(await search(server, mate, "seeker"))).toEqual(["@seeker:test.local"]);
  });

  test("members of a room with a public join rule are found by anyone", async () => {
    const server = createTestServer();
    const me = await createUser(server, "seeker", null);
    const host = await createUser(server, "pubhost", null);
    const guestOfHost = await createUser(server, "pubvisitor", null);
    const roomId = await createRoom(server, host, { preset: "public_chat" });
    await join(server, guestOfHost, roomId);
    expect(ids(await search(server, me, "pub"))).toEqual(["@pubhost:test.local", "@pubvisitor:test.local"]);
  });

  test("members of a room published in the directory are found; once it is invite only they are not, as publicRooms hides it", async () => {
    const server = createTestServer();
    const me = await createUser(server, "seeker", null);
    const host = await createUser(server, "listed", null);
    const roomId = await createRoom(server, host, { visibility: "public" });
    expect(ids(await search(server, me, "listed"))).toEqual(["@listed:test.local"]);
    expect((await setState(server, host, roomId, "m.room.join_rules", "", { join_rule: "invite" })).status).toBe(200);
    expect((await server.get(`/_matrix/client/v3/directory/list/room/${pathId(roomId)}`)).body.visibility).toBe(
      "public",
    );
    expect((await search(server, me, "listed")).results).toEqual([]);
  });

  test("members of a room with world_readable history are found", async () => {
    const server = createTestServer();
    const me = await createUser(server, "seeker", null);
    const host = await createUser(server, "reader", null);
    const roomId = await createRoom(server, host, { preset: "private_chat" });
    expect((await search(server, me, "reader")).results).toEqual([]);
    expect(
      (await setState(server, host, roomId, "m.room.history_visibility", "", { history_visibility: "world_readable" }))
        .status,
    ).toBe(200);
    expect(ids(await search(server, me, "reader"))).toEqual(["@reader:test.local"]);
  });

  test("users who left drop out: of a shared room, and of a public room", async () => {
    const server = createTestServer();
    const me = await createUser(server, "seeker", null);
    const leaver = await createUser(server, "leaver", null);
    const wanderer = await createUser(server, "wanderer", null);
    const shared = await privateRoomWith(server, me, leaver);
    const open = await createRoom(server, me, { preset: "public_chat" });
    await join(server, wanderer, open);
    expect(ids(await search(server, me, "leaver"))).toEqual(["@leaver:test.local"]);
    expect((await server.post(roomPath(shared, "/leave"), {}, { token: leaver.access_token })).status).toBe(200);
    expect((await search(server, me, "leaver")).results).toEqual([]);

    const bystander = await createUser(server, "bystander", null);
    expect(ids(await search(server, bystander, "wanderer"))).toEqual(["@wanderer:test.local"]);
    expect((await server.post(roomPath(open, "/leave"), {}, { token: wanderer.access_token })).status).toBe(200);
    expect((await search(server, bystander, "wanderer")).results).toEqual([]);
  });

  test("the searcher finds themselves", async () => {
    const server = createTestServer();
    const me = await createUser(server, "loner", null);
    expect(ids(await search(server, me, "loner"))).toEqual(["@loner:test.local"]);
  });
});
