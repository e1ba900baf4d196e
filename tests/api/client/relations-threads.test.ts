import { describe, expect, test } from "bun:test";
import type { TestUser } from "../../support/fixtures.ts";
import { createTestServer, type TestServer } from "../../support/server.ts";
import { createRoom, join, newUser, roomPath, sendEvent, sendMessage } from "../../support/rooms.ts";
import { unreadCounts } from "../../support/streams.ts";

const V1 = "/_matrix/client/v1";

async function setup() {
  const server = createTestServer();
  const alice = await newUser(server);
  const bob = await newUser(server);
  const carol = await newUser(server);
  const roomId = await createRoom(server, alice, { preset: "public_chat" });
  await join(server, bob, roomId);
  await join(server, carol, roomId);
  return { server, alice, bob, carol, roomId };
}

function threads(server: TestServer, user: TestUser, roomId: string, query: Record<string, string> = {}) {
  const qs = new URLSearchParams(query).toString();
  return server.get(`${V1}/rooms/${encodeURIComponent(roomId)}/threads${qs ? `?${qs}` : ""}`, {
    token: user.access_token,
  });
}

const inThread = (root: string, body = "reply") => ({
  msgtype: "m.text",
  body,
  "m.relates_to": { rel_type: "m.thread", event_id: root },
});
const reply = (server: TestServer, user: TestUser, roomId: string, root: string, body?: string) =>
  sendEvent(server, user, roomId, "m.room.message", inThread(root, body));
const ids = (chunk: { event_id: string }[]) => chunk.map((event) => event.event_id);

describe("GET /rooms/{roomId}/threads", () => {
  test("lists thread roots by latest activity, each with its thread aggregation", async () => {
    const { server, alice, bob, carol, roomId } = await setup();
    const first = await sendMessage(server, alice, roomId, "first root");
    const second = await sendMessage(server, bob, roomId, "second root");
    await sendMessage(server, alice, roomId, "no thread here");
    await reply(server, bob, roomId, first);
    await reply(server, carol, roomId, second);
    const latest = await reply(server, carol, roomId, first, "latest");
    const res = await threads(server, alice, roomId);
    expect(res.status).toBe(200);
    expect(ids(res.body.chunk)).toEqual([first, second]);
    expect(res.body.next_batch).toBeUndefined();
    expect(res.body.chunk[0].unsigned["m.relations"]["m.thread"]).toMatchObject({
      count: 2,
      current_user_participated: true,
      latest_event: { event_id: latest, sender: carol.user_id, content: { body: "latest" } },
    });
    expect(res.body.chunk[1].unsigned["m.relations"]["m.thread"]).toMatchObject({
      count: 1,
      current_user_participated: false,
    });
  });

  test("include=participated lists the threads the user started or posted in", async () => {
    const { server, alice, bob, carol, roomId } = await setup();
    const byAlice = await sendMessage(server, alice, roomId, "alice's root");
    const byBob = await sendMessage(server, bob, roomId, "bob's root");
    const byCarol = await sendMessage(server, carol, roomId, "carol's root");
    await reply(server, carol, roomId, byBob);
    await reply(server, bob, roomId, byAlice);
    await reply(server, alice, roomId, byCarol);
    expect(ids((await threads(server, bob, roomId, { include: "participated" })).body.chunk)).toEqual([byAlice, byBob]);
    expect(ids((await threads(server, carol, roomId, { include: "participated" })).body.chunk)).toEqual([
      byCarol,
      byBob,
    ]);
    expect(ids((await threads(server, bob, roomId, { include: "all" })).body.chunk)).toEqual([byCarol, byAlice, byBob]);
  });

  test("pages with limit and next_batch", async () => {
    const { server, alice, bob, roomId } = await setup();
    const roots = [];
    for (let i = 0; i < 3; i++) roots.push(await sendMessage(server, alice, roomId, `root ${i}`));
    for (const root of roots) await reply(server, bob, roomId, root);
    const first = await threads(server, alice, roomId, { limit: "2" });
    expect(ids(first.body.chunk)).toEqual([roots[2]!, roots[1]!]);
    expect(typeof first.body.next_batch).toBe("string");
    const second = await threads(server, alice, roomId, { limit: "2", from: first.body.next_batch });
    expect(ids(second.body.chunk)).toEqual([roots[0]!]);
    expect(second.body.next_batch).toBeUndefined();
  });

  test("redacting thread events moves the thread's activity back, and the last one removes the thread", async () => {
    const { server, alice, bob, roomId } = await setup();
    const older = await sendMessage(server, alice, roomId, "older root");
    const newer = await sendMessage(server, alice, roomId, "newer root");
    const olderReply = await reply(server, bob, roomId, older);
    await reply(server, bob, roomId, newer);
    const latest = await reply(server, bob, roomId, older);
    expect(ids((await threads(server, alice, roomId)).body.chunk)).toEqual([older, newer]);
    await server.put(roomPath(roomId, `/redact/${encodeURIComponent(latest)}/r1`), {}, { token: bob.access_token });
    const afterOne = await threads(server, alice, roomId);
    expect(ids(afterOne.body.chunk)).toEqual([newer, older]);
    expect(afterOne.body.chunk[1].unsigned["m.relations"]["m.thread"]).toMatchObject({
      count: 1,
      latest_event: { event_id: olderReply },
    });
    await server.put(roomPath(roomId, `/redact/${encodeURIComponent(olderReply)}/r2`), {}, { token: bob.access_token });
    expect(ids((await threads(server, alice, roomId)).body.chunk)).toEqual([newer]);
  });

  test("serves a root sent by an ignored user redacted", async () => {
    const { server, alice, bob, roomId } = await setup();
    const root = await sendMessage(server, bob, roomId, "from bob");
    await reply(server, alice, roomId, root);
    const ignore = await server.put(
      `/_matrix/client/v3/user/${encodeURIComponent(alice.user_id)}/account_data/m.ignored_user_list`,
      { ignored_users: { [bob.user_id]: {} } },
      { token: alice.access_token },
    );
    expect(ignore.status).toBe(200);
    const res = await threads(server, alice, roomId);
    expect(res.body.chunk[0]).toMatchObject({ event_id: root, content: {} });
    expect(res.body.chunk[0].unsigned["m.relations"]["m.thread"].count).toBe(1);
  });

  test("refuses limit=0 with 400, and users who may not read the room with 403", async () => {
    const { server, alice, roomId } = await setup();
    const outsider = await newUser(server);
    expect((await threads(server, alice, roomId, { limit: "0" })).status).toBe(400);
    const forbidden = await threads(server, outsider, roomId);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.errcode).toBe("M_FORBIDDEN");
  });
});

describe("sending thread events", () => {
  test("a thread cannot start from an event with a relation: 400 M_UNKNOWN", async () => {
    const { server, alice, bob, roomId } = await setup();
    const root = await sendMessage(server, alice, roomId, "root");
    const threaded = await reply(server, bob, roomId, root);
    const res = await server.put(roomPath(roomId, "/send/m.room.message/nested"), inThread(threaded), {
      token: alice.access_token,
    });
    expect(res.status).toBe(400);
    expect(res.body.errcode).toBe("M_UNKNOWN");
  });

  test("a second identical annotation is refused with M_DUPLICATE_ANNOTATION, allowed again after redaction", async () => {
    const { server, alice, bob, roomId } = await setup();
    const target = await sendMessage(server, alice, roomId, "react to me");
    const reaction = { "m.relates_to": { rel_type: "m.annotation", event_id: target, key: "👍" } };
    const first = await sendEvent(server, bob, roomId, "m.reaction", reaction);
    const again = await server.put(roomPath(roomId, "/send/m.reaction/again"), reaction, { token: bob.access_token });
    expect(again.status).toBe(400);
    expect(again.body.errcode).toBe("M_DUPLICATE_ANNOTATION");
    await sendEvent(server, alice, roomId, "m.reaction", reaction);
    await sendEvent(server, bob, roomId, "m.reaction", {
      "m.relates_to": { rel_type: "m.annotation", event_id: target, key: "👎" },
    });
    await server.put(roomPath(roomId, `/redact/${encodeURIComponent(first)}/r1`), {}, { token: bob.access_token });
    await sendEvent(server, bob, roomId, "m.reaction", reaction);
  });

  test("events relating to a thread event count in that thread's unread notifications, the root in the main timeline", async () => {
    const { server, alice, bob, roomId } = await setup();
    const root = await sendMessage(server, alice, roomId, "root");
    const threaded = await reply(server, alice, roomId, root);
    await sendEvent(server, alice, roomId, "m.room.message", {
      msgtype: "m.text",
      body: "about it",
      "m.relates_to": { rel_type: "m.reference", event_id: threaded },
    });
    await sendEvent(server, alice, roomId, "m.room.message", {
      msgtype: "m.text",
      body: "about the root",
      "m.relates_to": { rel_type: "m.reference", event_id: root },
    });
    const counts = unreadCounts(server, bob.user_id, roomId);
    expect(counts.threads[root]?.notification_count).toBe(2);
    expect(counts.main.notification_count).toBe(2);
    expect(server.services.timeline.threadOf(threaded)).toBe(root);
    expect(server.services.timeline.threadOf(root)).toBeUndefined();
  });
});
