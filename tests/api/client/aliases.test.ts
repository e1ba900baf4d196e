import { describe, expect, test } from "bun:test";
import { MatrixError } from "../../../src/errors.ts";
import { createRoomServices } from "../../../src/core/rooms/index.ts";
import { createTimeline } from "../../../src/core/timeline/index.ts";
import type { AssertAliasAllowed } from "../../../src/core/rooms/aliases.ts";
import { createTestServer, type TestServer } from "../../support/server.ts";
import { createRoom, join, newUser, roomPath, setState, V3 } from "../../support/rooms.ts";
import { makeAdmin, type TestUser } from "../../support/fixtures.ts";

const aliasPath = (alias: string) => `${V3}/directory/room/${encodeURIComponent(alias)}`;

async function setup(body: Record<string, unknown> = { preset: "public_chat" }) {
  const server = createTestServer();
  const alice = await newUser(server);
  const bob = await newUser(server);
  const roomId = await createRoom(server, alice, body);
  return { server, alice, bob, roomId };
}

function putAlias(server: TestServer, user: TestUser, alias: string, roomId: string) {
  return server.put(aliasPath(alias), { room_id: roomId }, { token: user.access_token });
}

async function canonicalAlias(server: TestServer, user: TestUser, roomId: string) {
  return (await server.get(roomPath(roomId, "/state/m.room.canonical_alias"), { token: user.access_token })).body;
}

describe("PUT and GET /directory/room/{roomAlias}", () => {
  test("a member maps an alias; anyone resolves it, without a token", async () => {
    const { server, alice, roomId } = await setup();
    const put = await putAlias(server, alice, "#lobby:test.local", roomId);
    expect(put.status).toBe(200);
    expect(put.body).toEqual({});
    const get = await server.get(aliasPath("#lobby:test.local"));
    expect(get.status).toBe(200);
    expect(get.body).toEqual({ room_id: roomId, servers: ["test.local"] });
  });

  test("an existing alias is 409 M_UNKNOWN, also when createRoom made it", async () => {
    const { server, alice, roomId } = await setup({ room_alias_name: "taken" });
    const again = await putAlias(server, alice, "#taken:test.local", roomId);
    expect(again.status).toBe(409);
    expect(again.body.errcode).toBe("M_UNKNOWN");
    // createRoom names its own error for the same conflict.
    expect((await putAlias(server, alice, "#fresh:test.local", roomId)).status).toBe(200);
    const created = await server.post(`${V3}/createRoom`, { room_alias_name: "fresh" }, { token: alice.access_token });
    expect(created.status).toBe(400);
    expect(created.body.errcode).toBe("M_ROOM_IN_USE");
  });

  test("invalid aliases and aliases of other servers are 400 M_INVALID_PARAM", async () => {
    const { server, alice, roomId } = await setup();
    for (const alias of ["#nodomain", "#with space:test.local", "#elsewhere:other.example", "#bad:ex ample"]) {
      const res = await putAlias(server, alice, alias, roomId);
      expect(res.status, alias).toBe(400);
      expect(res.body.errcode, alias).toBe("M_INVALID_PARAM");
    }
    const noSigil = await server.put(`${V3}/directory/room/lobby`, { room_id: roomId }, { token: alice.access_token });
    expect(noSigil.status).toBe(400);
    expect((await server.get(aliasPath("#nodomain"))).body.errcode).toBe("M_INVALID_PARAM");
    const missing = await server.put(aliasPath("#x:test.local"), {}, { token: alice.access_token });
    expect(missing.status).toBe(400);
    expect(missing.body.errcode).toBe("M_MISSING_PARAM");
  });

  test("non-members are refused with 403; server admins need not be members, and unknown rooms are 404", async () => {
    const { server, bob, roomId } = await setup();
    const refused = await putAlias(server, bob, "#bob:test.local", roomId);
    expect(refused.status).toBe(403);
    expect(refused.body.errcode).toBe("M_FORBIDDEN");
    makeAdmin(server, bob);
    expect((await putAlias(server, bob, "#bob:test.local", roomId)).status).toBe(200);
    const unknown = await putAlias(server, bob, "#ghost:test.local", "!nowhere:test.local");
    expect(unknown.status).toBe(404);
    expect(unknown.body.errcode).toBe("M_NOT_FOUND");
  });

  test("resolving an unknown alias, or one of another server, is 404 M_NOT_FOUND", async () => {
    const { server } = await setup();
    for (const alias of ["#unknown:test.local", "#remote:other.example"]) {
      const res = await server.get(aliasPath(alias));
      expect(res.status).toBe(404);
      expect(res.body.errcode).toBe("M_NOT_FOUND");
    }
  });

  test("needs a user's token to create", async () => {
    const { server, roomId } = await setup();
    const res = await server.put(aliasPath("#anon:test.local"), { room_id: roomId });
    expect(res.status).toBe(401);
    expect(res.body.errcode).toBe("M_MISSING_TOKEN");
  });
});

describe("DELETE /directory/room/{roomAlias}", () => {
  test("the alias's creator deletes it, even without power in the room", async () => {
    const { server, alice, bob, roomId } = await setup();
    await join(server, bob, roomId);
    expect((await putAlias(server, bob, "#bobs:test.local", roomId)).status).toBe(200);
    const res = await server.delete(aliasPath("#bobs:test.local"), { token: bob.access_token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({});
    expect((await server.get(aliasPath("#bobs:test.local"))).status).toBe(404);
  });

  test("others need the power to send m.room.canonical_alias, or to be a server admin", async () => {
    const { server, alice, bob, roomId } = await setup();
    await join(server, bob, roomId);
    await putAlias(server, alice, "#alices:test.local", roomId);
    const refused = await server.delete(aliasPath("#alices:test.local"), { token: bob.access_token });
    expect(refused.status).toBe(403);
    expect(refused.body.errcode).toBe("M_FORBIDDEN");

    const levels = (await server.get(roomPath(roomId, "/state/m.room.power_levels"), { token: alice.access_token }))
      .body;
    expect(
      (
        await setState(server, alice, roomId, "m.room.power_levels", "", {
          ...levels,
          users: { ...levels.users, [bob.user_id]: 50 },
        })
      ).status,
    ).toBe(200);
    expect((await server.delete(aliasPath("#alices:test.local"), { token: bob.access_token })).status).toBe(200);

    const carol = await newUser(server);
    await putAlias(server, alice, "#second:test.local", roomId);
    makeAdmin(server, carol);
    expect((await server.delete(aliasPath("#second:test.local"), { token: carol.access_token })).status).toBe(200);
  });

  test("an unknown alias is 404 M_NOT_FOUND", async () => {
    const { server, alice } = await setup();
    const res = await server.delete(aliasPath("#never:test.local"), { token: alice.access_token });
    expect(res.status).toBe(404);
    expect(res.body.errcode).toBe("M_NOT_FOUND");
  });

  test("a deleted alias leaves the canonical alias event: as `alias` and among alt_aliases", async () => {
    const { server, alice, roomId } = await setup({ preset: "public_chat", room_alias_name: "main" });
    await putAlias(server, alice, "#alt:test.local", roomId);
    await putAlias(server, alice, "#alt2:test.local", roomId);
    const content = { alias: "#main:test.local", alt_aliases: ["#alt:test.local", "#alt2:test.local"] };
    expect((await setState(server, alice, roomId, "m.room.canonical_alias", "", content)).status).toBe(200);
    await server.delete(aliasPath("#alt:test.local"), { token: alice.access_token });
    expect(await canonicalAlias(server, alice, roomId)).toEqual({
      alias: "#main:test.local",
      alt_aliases: ["#alt2:test.local"],
    });
    await server.delete(aliasPath("#main:test.local"), { token: alice.access_token });
    await server.delete(aliasPath("#alt2:test.local"), { token: alice.access_token });
    expect(await canonicalAlias(server, alice, roomId)).toEqual({});
  });

  test("the alias goes even when its creator may no longer change the canonical alias", async () => {
    const { server, alice, bob, roomId } = await setup();
    await join(server, bob, roomId);
    await putAlias(server, bob, "#bobs:test.local", roomId);
    await setState(server, alice, roomId, "m.room.canonical_alias", "", { alt_aliases: ["#bobs:test.local"] });
    const res = await server.delete(aliasPath("#bobs:test.local"), { token: bob.access_token });
    expect(res.status).toBe(200);
    expect((await server.get(aliasPath("#bobs:test.local"))).status).toBe(404);
    expect(await canonicalAlias(server, alice, roomId)).toEqual({ alt_aliases: ["#bobs:test.local"] });
  });
});

describe("GET /rooms/{roomId}/aliases", () => {
  test("lists the room's local aliases to members, including createRoom's", async () => {
    const { server, alice, roomId } = await setup({ room_alias_name: "first" });
    await putAlias(server, alice, "#second:test.local", roomId);
    const res = await server.get(roomPath(roomId, "/aliases"), { token: alice.access_token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ aliases: ["#first:test.local", "#second:test.local"] });
  });

  test("is 403 M_FORBIDDEN for non-members unless the room is world_readable", async () => {
    const { server, alice, bob, roomId } = await setup({ room_alias_name: "first" });
    const refused = await server.get(roomPath(roomId, "/aliases"), { token: bob.access_token });
    expect(refused.status).toBe(403);
    expect(refused.body.errcode).toBe("M_FORBIDDEN");
    expect((await server.get(roomPath("!unknown:test.local", "/aliases"), { token: bob.access_token })).status).toBe(
      403,
    );
    await setState(server, alice, roomId, "m.room.history_visibility", "", { history_visibility: "world_readable" });
    expect((await server.get(roomPath(roomId, "/aliases"), { token: bob.access_token })).body).toEqual({
      aliases: ["#first:test.local"],
    });
  });
});

describe("m.room.canonical_alias", () => {
  test("must name aliases that point to the room (400 M_BAD_ALIAS), an empty or null alias means none", async () => {
    const { server, alice, roomId } = await setup({ room_alias_name: "home" });
    const other = await createRoom(server, alice, { room_alias_name: "away" });
    const bad = await setState(server, alice, roomId, "m.room.canonical_alias", "", {
      alias: "#home:test.local",
      alt_aliases: ["#away:test.local"],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errcode).toBe("M_BAD_ALIAS");
    const missing = await setState(server, alice, roomId, "m.room.canonical_alias", "", {
      alias: "#nothing:test.local",
    });
    expect(missing.body.errcode).toBe("M_BAD_ALIAS");
    for (const alias of ["", null]) {
      expect(
        (
          await setState(server, alice, roomId, "m.room.canonical_alias", "", {
            alias,
            alt_aliases: ["#home:test.local"],
          })
        ).status,
      ).toBe(200);
    }
    expect(
      (await setState(server, alice, other, "m.room.canonical_alias", "", { alt_aliases: "#away:test.local" })).body
        .errcode,
    ).toBe("M_INVALID_PARAM");
  });
});

describe("the appservice seam: assertAliasAllowed", () => {
  test("vetoes creating and deleting aliases, and createRoom's room_alias_name", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const requester = { user_id: alice.user_id, device_id: alice.device_id, is_guest: false };
    const reserved: AssertAliasAllowed = (alias, who) => {
      if (alias.startsWith("#irc_") && who.appservice_id === undefined)
        throw new MatrixError("M_EXCLUSIVE", `${alias} is reserved by an application service`);
    };
    const { rooms, directory } = createRoomServices({
      stores: server.stores,
      identity: server.services.identity,
      clock: server.services.clock,
      logger: server.services.logger,
      hooks: { withinTransaction: [], afterCommit: [] },
      readers: createTimeline(server.stores, server.services.clock).readers,
      getProfile: () => ({}),
      assertAliasAllowed: reserved,
    });
    const { room_id } = await rooms.create(requester, {});
    await expect(directory.createAlias(requester, "#irc_x:test.local", room_id)).rejects.toMatchObject({
      errcode: "M_EXCLUSIVE",
      status: 400,
    });
    await expect(rooms.create(requester, { room_alias_name: "irc_y" })).rejects.toMatchObject({
      errcode: "M_EXCLUSIVE",
    });
    await directory.createAlias({ ...requester, appservice_id: "irc" }, "#irc_x:test.local", room_id);
    await expect(directory.deleteAlias(requester, "#irc_x:test.local")).rejects.toMatchObject({
      errcode: "M_EXCLUSIVE",
    });
    await directory.createAlias(requester, "#plain:test.local", room_id);
    expect(directory.resolveAlias("#irc_x:test.local").room_id).toBe(room_id);
  });
});
