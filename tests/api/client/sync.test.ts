import { describe, expect, test } from "bun:test";
import { createTestServer } from "../../support/server.ts";
import {
  createRoom,
  invite,
  join,
  messages,
  newUser,
  roomPath,
  sendMessage,
  setState,
  V3,
} from "../../support/rooms.ts";
import { bodiesOf, roomState, sync, timeline, types } from "../../support/sync.ts";

describe("GET /sync: tokens", () => {
  test("an initial sync returns a next_batch that an incremental sync continues from", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const roomId = await createRoom(server, alice);
    const first = await sync(server, alice);
    expect(first.next_batch).toMatch(/^s\d+(_\d+){7}$/);
    expect(types(timeline(first, roomId))).toContain("m.room.create");
    await sendMessage(server, alice, roomId, "after");
    const second = await sync(server, alice, { since: first.next_batch });
    expect(bodiesOf(timeline(second, roomId))).toEqual(["after"]);
    expect(timeline(second, roomId)).toHaveLength(1);
    const third = await sync(server, alice, { since: second.next_batch });
    expect(third.rooms.join).toEqual({});
    server.close();
  });

  test("a token in another format is 400 M_INVALID_PARAM", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    for (const since of ["garbage", "s1_2", "t1_2", "s1_2_3_4_5_6_7_x", "s99999999999999999_0_0_0_0_0_0_0"]) {
      const res = await server.get(`${V3}/sync?since=${since}`, { token: alice.access_token });
      expect([res.status, res.body.errcode]).toEqual([400, "M_INVALID_PARAM"]);
    }
    server.close();
  });

  test("a token from the future is answered from the server's position, as Synapse does after a restore", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const roomId = await createRoom(server, alice);
    const now = (await sync(server, alice)).next_batch as string;
    const future = `s${now
      .slice(1)
      .split("_")
      .map((n) => String(Number(n) + 1000))
      .join("_")}`;
    const res = await sync(server, alice, { since: future });
    expect(res.next_batch).toBe(now);
    await sendMessage(server, alice, roomId, "next");
    expect(bodiesOf(timeline(await sync(server, alice, { since: res.next_batch }), roomId))).toEqual(["next"]);
    server.close();
  });

  test("next_batch and prev_batch page through /messages", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const roomId = await createRoom(server, alice);
    for (let i = 0; i < 5; i++) await sendMessage(server, alice, roomId, `m${i}`);
    const body = await sync(server, alice, { filter: { room: { timeline: { limit: 2 } } } });
    const room = body.rooms.join[roomId];
    expect(room.timeline.limited).toBe(true);
    expect(bodiesOf(room.timeline.events)).toEqual(["m3", "m4"]);
    const back = await messages(server, alice, roomId, { from: room.timeline.prev_batch, dir: "b", limit: "2" });
    expect(bodiesOf(back.body.chunk)).toEqual(["m2", "m1"]);
    await sendMessage(server, alice, roomId, "m5");
    const forward = await messages(server, alice, roomId, { from: body.next_batch, dir: "f" });
    expect(bodiesOf(forward.body.chunk)).toEqual(["m5"]);
    server.close();
  });

  test("/members?at= takes next_batch and prev_batch (Element Call reads call members' memberships so)", async () => {
    const server = createTestServer();
    const [alice, bob] = [await newUser(server), await newUser(server)];
    const roomId = await createRoom(server, alice, { preset: "public_chat" });
    const before = await sync(server, alice, { filter: { room: { timeline: { limit: 1 } } } });
    await join(server, bob, roomId);
    const members = async (at: string) =>
      (
        await server.get(roomPath(roomId, `/members?at=${encodeURIComponent(at)}`), { token: alice.access_token })
      ).body.chunk.map((e: any) => e.state_key);
    expect(await members(before.next_batch)).toEqual([alice.user_id]);
    const after = await sync(server, alice, { since: before.next_batch });
    expect((await members(after.next_batch)).sort()).toEqual([alice.user_id, bob.user_id].sort());
    expect(await members(after.rooms.join[roomId].timeline.prev_batch)).toEqual([alice.user_id]);
    server.close();
  });

  test("a gappy incremental sync is limited and its prev_batch reaches the gap", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const roomId = await createRoom(server, alice);
    const since = (await sync(server, alice)).next_batch;
    for (let i = 0; i < 6; i++) await sendMessage(server, alice, roomId, `g${i}`);
    const room = (await sync(server, alice, { since, filter: { room: { timeline: { limit: 3 } } } })).rooms.join[
      roomId
    ];
    expect(room.timeline.limited).toBe(true);
    expect(bodiesOf(room.timeline.events)).toEqual(["g3", "g4", "g5"]);
    const gap = await messages(server, alice, roomId, { from: room.timeline.prev_batch, dir: "b", limit: "3" });
    expect(bodiesOf(gap.body.chunk)).toEqual(["g2", "g1", "g0"]);
    server.close();
  });
});

describe("GET /sync: syncs interleaved with writes in the same turn", () => {
  test("every event arrives exactly once, in order, when sends and syncs share event-loop turns", async () => {
    const server = createTestServer();
    const [alice, bob] = [await newUser(server), await newUser(server)];
    const roomId = await createRoom(server, alice, { preset: "public_chat" });
    await join(server, bob, roomId);
    const filter = { room: { timeline: { limit: 100, types: ["m.room.message"] } } };
    let since = (await sync(server, bob, { filter })).next_batch;
    const seen: string[] = [];
    const sent: string[] = [];
    for (let round = 0; round < 30; round++) {
      // A send and a sync issued together: the sync may run while the send's batch is open.
      const [eventId, body] = await Promise.all([
        sendMessage(server, alice, roomId, `r${round}`),
        sync(server, bob, { since, filter }),
      ]);
      sent.push(eventId);
      seen.push(...timeline(body, roomId).map((e: any) => e.event_id));
      since = body.next_batch;
    }
    const last = await sync(server, bob, { since, filter });
    seen.push(...timeline(last, roomId).map((e: any) => e.event_id));
    expect(seen).toEqual(sent);
    server.close();
  });
});

describe("GET /sync: rooms", () => {
  test("an invite carries stripped state and the invite; joining moves the room to join with full state", async () => {
    const server = createTestServer();
    const [alice, bob] = [await newUser(server), await newUser(server)];
    const roomId = await createRoom(server, alice, { name: "Invited", topic: "a topic" });
    await invite(server, alice, roomId, bob);
    const first = await sync(server, bob);
    const events = first.rooms.invite[roomId].invite_state.events;
    expect(types(events)).toEqual(
      expect.arrayContaining(["m.room.create", "m.room.join_rules", "m.room.name", "m.room.topic", "m.room.member"]),
    );
    const own = events.find((e: any) => e.type === "m.room.member" && e.state_key === bob.user_id);
    expect(own).toMatchObject({ content: { membership: "invite" }, sender: alice.user_id });
    expect(
      events.find((e: any) => e.type === "m.room.member" && e.state_key === alice.user_id)?.content.membership,
    ).toBe("join");
    expect(first.rooms.join).toEqual({});

    await join(server, bob, roomId);
    await sendMessage(server, alice, roomId, "welcome");
    const second = await sync(server, bob, { since: first.next_batch, filter: { room: { timeline: { limit: 2 } } } });
    expect(second.rooms.invite).toEqual({});
    const room = second.rooms.join[roomId];
    // The state up to the timeline's start: everything but the join and the message.
    expect(types(room.state.events)).toEqual(
      expect.arrayContaining(["m.room.create", "m.room.power_levels", "m.room.name", "m.room.topic"]),
    );
    expect(room.timeline).toMatchObject({
      limited: true,
      events: [{ type: "m.room.member", state_key: bob.user_id }, { content: { body: "welcome" } }],
    });
    expect(room.summary).toMatchObject({ "m.joined_member_count": 2, "m.invited_member_count": 0 });
    server.close();
  });

  test("leaving shows the room under leave until the leave event; include_leave brings it back in an initial sync", async () => {
    const server = createTestServer();
    const [alice, bob] = [await newUser(server), await newUser(server)];
    const roomId = await createRoom(server, alice, { preset: "public_chat" });
    await join(server, bob, roomId);
    const since = (await sync(server, bob)).next_batch;
    await sendMessage(server, alice, roomId, "before leave");
    expect((await server.post(roomPath(roomId, "/leave"), {}, { token: bob.access_token })).status).toBe(200);
    await sendMessage(server, alice, roomId, "after leave");
    const res = await sync(server, bob, { since });
    expect(res.rooms.join[roomId]).toBeUndefined();
    const left = res.rooms.leave[roomId];
    expect(bodiesOf(left.timeline.events)).toEqual(["before leave"]);
    expect(left.timeline.events.at(-1)).toMatchObject({
      type: "m.room.member",
      state_key: bob.user_id,
      content: { membership: "leave" },
    });
    expect((await sync(server, bob)).rooms.leave).toEqual({});
    const withLeave = await sync(server, bob, { filter: { room: { include_leave: true } } });
    expect(bodiesOf(withLeave.rooms.leave[roomId].timeline.events)).toEqual(["before leave"]);
    server.close();
  });

  test("a ban is a leave; a rejected invite shows the rejection", async () => {
    const server = createTestServer();
    const [alice, bob, carol] = [await newUser(server), await newUser(server), await newUser(server)];
    const roomId = await createRoom(server, alice, { preset: "public_chat" });
    await join(server, bob, roomId);
    await invite(server, alice, roomId, carol);
    const bobSince = (await sync(server, bob)).next_batch;
    const carolSince = (await sync(server, carol)).next_batch;
    expect(
      (await server.post(roomPath(roomId, "/ban"), { user_id: bob.user_id }, { token: alice.access_token })).status,
    ).toBe(200);
    expect((await server.post(roomPath(roomId, "/leave"), {}, { token: carol.access_token })).status).toBe(200);
    const banned = (await sync(server, bob, { since: bobSince })).rooms.leave[roomId];
    expect(banned.timeline.events.at(-1).content.membership).toBe("ban");
    const rejected = (await sync(server, carol, { since: carolSince })).rooms.leave[roomId];
    expect(rejected.timeline.events.at(-1)).toMatchObject({
      state_key: carol.user_id,
      content: { membership: "leave" },
    });
    server.close();
  });

  test("a knock is listed under knock with stripped state", async () => {
    const server = createTestServer();
    const [alice, bob] = [await newUser(server), await newUser(server)];
    const roomId = await createRoom(server, alice, {
      initial_state: [{ type: "m.room.join_rules", state_key: "", content: { join_rule: "knock" } }],
    });
    expect(
      (await server.post(`${V3}/knock/${encodeURIComponent(roomId)}`, {}, { token: bob.access_token })).status,
    ).toBe(200);
    const res = await sync(server, bob);
    const events = res.rooms.knock[roomId].knock_state.events;
    expect(events.find((e: any) => e.state_key === bob.user_id).content.membership).toBe("knock");
    expect(types(events)).toContain("m.room.join_rules");
    server.close();
  });

  test("the summary names heroes when the room has no name and counts members", async () => {
    const server = createTestServer();
    const [alice, bob, carol] = [await newUser(server), await newUser(server), await newUser(server)];
    const roomId = await createRoom(server, alice, { preset: "private_chat" });
    await invite(server, alice, roomId, bob);
    await join(server, bob, roomId);
    await invite(server, alice, roomId, carol);
    const summary = (await sync(server, alice)).rooms.join[roomId].summary;
    expect(summary).toEqual({
      "m.heroes": [bob.user_id, carol.user_id],
      "m.joined_member_count": 2,
      "m.invited_member_count": 1,
    });
    const named = await createRoom(server, alice, { name: "Named" });
    expect((await sync(server, alice)).rooms.join[named].summary["m.heroes"]).toBeUndefined();
    server.close();
  });

  test("timeline events carry unsigned.membership; a limited timeline bundles aggregations (the latest edit)", async () => {
    const server = createTestServer();
    const [alice, bob] = [await newUser(server), await newUser(server)];
    const roomId = await createRoom(server, alice, { preset: "public_chat" });
    const original = await sendMessage(server, alice, roomId, "typo");
    await join(server, bob, roomId);
    const edit = {
      msgtype: "m.text",
      body: "* fixed",
      "m.new_content": { msgtype: "m.text", body: "fixed" },
      "m.relates_to": { rel_type: "m.replace", event_id: original },
    };
    expect(
      (await server.put(roomPath(roomId, "/send/m.room.message/edit1"), edit, { token: alice.access_token })).status,
    ).toBe(200);
    const events = timeline(await sync(server, bob, { filter: { room: { timeline: { limit: 3 } } } }), roomId);
    const first = events.find((e: any) => e.event_id === original);
    expect(first.unsigned.membership).toBe("leave");
    expect(first.unsigned["m.relations"]["m.replace"].content["m.new_content"].body).toBe("fixed");
    expect(events.at(-1).unsigned.membership).toBe("join");
    // Not limited: no aggregations.
    const whole = timeline(await sync(server, bob, { filter: { room: { timeline: { limit: 50 } } } }), roomId);
    expect(whole.find((e: any) => e.event_id === original).unsigned["m.relations"]).toBeUndefined();
    server.close();
  });

  test("events from before a user joined a room with joined history visibility stay hidden", async () => {
    const server = createTestServer();
    const [alice, bob] = [await newUser(server), await newUser(server)];
    const roomId = await createRoom(server, alice, {
      preset: "public_chat",
      initial_state: [{ type: "m.room.history_visibility", state_key: "", content: { history_visibility: "joined" } }],
    });
    await sendMessage(server, alice, roomId, "secret");
    await join(server, bob, roomId);
    await sendMessage(server, alice, roomId, "public");
    expect(bodiesOf(timeline(await sync(server, bob), roomId))).toEqual(["public"]);
    server.close();
  });
});

describe("GET /sync: state and MSC4222 state_after", () => {
  const UNSTABLE = "org.matrix.msc4222.state_after";

  test("with use_state_after, state is omitted and state_after is present even when empty", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const roomId = await createRoom(server, alice);
    const first = await sync(server, alice, { use_state_after: true });
    expect(first.rooms.join[roomId].state).toBeUndefined();
    expect(types(first.rooms.join[roomId].state_after.events)).toContain("m.room.create");
    await sendMessage(server, alice, roomId, "plain");
    const second = await sync(server, alice, { since: first.next_batch, use_state_after: true });
    expect(second.rooms.join[roomId].state_after).toEqual({ events: [] });
    const unstable = await sync(server, alice, { since: first.next_batch, "org.matrix.msc4222.use_state_after": true });
    expect(unstable.rooms.join[roomId][UNSTABLE]).toEqual({ events: [] });
    expect(unstable.rooms.join[roomId].state_after).toBeUndefined();
    server.close();
  });

  test("a state change in a non-gappy timeline is in both timeline and state_after, but not in state", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const roomId = await createRoom(server, alice);
    const since = (await sync(server, alice)).next_batch;
    await setState(server, alice, roomId, "org.matrix.example", "", { v: 1 });
    const after = (await sync(server, alice, { since, use_state_after: true })).rooms.join[roomId];
    expect(types(after.timeline.events)).toEqual(["org.matrix.example"]);
    expect(after.state_after.events).toHaveLength(1);
    expect(after.state_after.events[0]).toMatchObject({ type: "org.matrix.example", content: { v: 1 } });
    const before = (await sync(server, alice, { since })).rooms.join[roomId];
    expect(before.state.events).toEqual([]);
    server.close();
  });

  test("in a gappy sync, state changed in the gap comes in state and state_after; state_after also holds the timeline's", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const roomId = await createRoom(server, alice);
    const since = (await sync(server, alice)).next_batch;
    await setState(server, alice, roomId, "m.room.topic", "", { topic: "gap topic" });
    for (let i = 0; i < 3; i++) await sendMessage(server, alice, roomId, `x${i}`);
    await setState(server, alice, roomId, "m.room.name", "", { name: "late name" });
    const filter = { room: { timeline: { limit: 2 } } };
    const before = (await sync(server, alice, { since, filter })).rooms.join[roomId];
    expect(before.timeline.limited).toBe(true);
    expect(types(before.timeline.events)).toEqual(["m.room.message", "m.room.name"]);
    expect(before.state.events.map((e: any) => [e.type, e.content.topic])).toEqual([["m.room.topic", "gap topic"]]);
    const after = (await sync(server, alice, { since, filter, use_state_after: true })).rooms.join[roomId];
    expect(types(after.state_after.events).sort()).toEqual(["m.room.name", "m.room.topic"]);
    server.close();
  });

  test("a state event overwritten later in the timeline leaves only the final value in state_after", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const roomId = await createRoom(server, alice);
    const since = (await sync(server, alice)).next_batch;
    await setState(server, alice, roomId, "m.room.topic", "", { topic: "first" });
    await setState(server, alice, roomId, "m.room.topic", "", { topic: "second" });
    const after = (await sync(server, alice, { since, use_state_after: true })).rooms.join[roomId];
    expect(after.timeline.events.map((e: any) => e.content.topic)).toEqual(["first", "second"]);
    expect(after.state_after.events.map((e: any) => e.content.topic)).toEqual(["second"]);
    server.close();
  });

  test("lazy loading: state_after holds the timeline senders' members (complement's MSC4222 initial-sync case)", async () => {
    for (const preset of ["public_chat", "private_chat"]) {
      const server = createTestServer();
      const [alice, bob, carol] = [await newUser(server), await newUser(server), await newUser(server)];
      const roomId = await createRoom(server, alice, { preset });
      for (const user of [bob, carol]) {
        if (preset === "private_chat") await invite(server, alice, roomId, user);
        await join(server, user, roomId);
      }
      const filter = { room: { timeline: { limit: 20 }, state: { lazy_load_members: true } } };
      await sendMessage(server, carol, roomId, "carol speaks");
      const room = (
        await sync(server, alice, {
          use_state_after: true,
          filter: { room: { ...filter.room, timeline: { limit: 1 } } },
        })
      ).rooms.join[roomId];
      const members = room.state_after.events
        .filter((e: any) => e.type === "m.room.member")
        .map((e: any) => e.state_key)
        .sort();
      // Carol sent the timeline; Alice is the syncing user; Bob and Carol are the heroes of this unnamed room.
      expect(members).toEqual([alice.user_id, bob.user_id, carol.user_id].sort());
      const wide = (await sync(server, alice, { use_state_after: true, filter })).rooms.join[roomId];
      const senders = new Set(wide.timeline.events.map((e: any) => e.sender));
      const loaded = new Set(
        wide.state_after.events.filter((e: any) => e.type === "m.room.member").map((e: any) => e.state_key),
      );
      for (const sender of senders) expect(loaded.has(sender)).toBe(true);
      server.close();
    }
  });

  test("lazy loading: Element Call members' member events come with their call membership (R11)", async () => {
    const server = createTestServer();
    const [alice, bob, carol] = [await newUser(server), await newUser(server), await newUser(server)];
    // The private presets let members send call memberships.
    const roomId = await createRoom(server, alice, {
      preset: "private_chat",
      name: "Call room",
      invite: [bob.user_id, carol.user_id],
    });
    for (const user of [bob, carol]) await join(server, user, roomId);
    const membership = {
      application: "m.call",
      call_id: "",
      scope: "m.room",
      device_id: "BOBDEV",
      focus_active: { type: "livekit" },
      foci_preferred: [],
    };
    expect(
      (
        await setState(
          server,
          bob,
          roomId,
          "org.matrix.msc3401.call.member",
          `_${bob.user_id}_BOBDEV_m.call`,
          membership,
        )
      ).status,
    ).toBe(200);
    for (let i = 0; i < 3; i++) await sendMessage(server, carol, roomId, `chatter ${i}`);
    const filter = { room: { timeline: { limit: 2 }, state: { lazy_load_members: true } } };
    const initial = (await sync(server, alice, { use_state_after: true, filter })).rooms.join[roomId];
    const members = (events: any[]) =>
      events.filter((e: any) => e.type === "m.room.member").map((e: any) => e.state_key);
    expect(types(initial.state_after.events)).toContain("org.matrix.msc3401.call.member");
    expect(members(initial.state_after.events)).toContain(bob.user_id);

    const since = (await sync(server, alice)).next_batch;
    expect(
      (
        await setState(server, bob, roomId, "org.matrix.msc3401.call.member", `_${bob.user_id}_BOBDEV_m.call`, {
          ...membership,
          expires: 7200000,
        })
      ).status,
    ).toBe(200);
    for (let i = 0; i < 3; i++) await sendMessage(server, carol, roomId, `more ${i}`);
    const gappy = (await sync(server, alice, { since, use_state_after: true, filter })).rooms.join[roomId];
    expect(gappy.timeline.limited).toBe(true);
    expect(types(gappy.state_after.events)).toContain("org.matrix.msc3401.call.member");
    expect(members(gappy.state_after.events)).toEqual(expect.arrayContaining([bob.user_id, carol.user_id]));
    server.close();
  });

  test("full_state returns every state event in an incremental sync", async () => {
    const server = createTestServer();
    const alice = await newUser(server);
    const roomId = await createRoom(server, alice);
    const since = (await sync(server, alice)).next_batch;
    const res = await sync(server, alice, { since, full_state: true, timeout: 10_000 });
    expect(timeline(res, roomId)).toEqual([]);
    expect(types(roomState(res, roomId))).toEqual(
      expect.arrayContaining(["m.room.create", "m.room.member", "m.room.power_levels"]),
    );
    server.close();
  });
});
