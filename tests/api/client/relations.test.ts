import { describe, expect, test } from "bun:test";
import type { TestUser } from "../../support/fixtures.ts";
import { createTestServer, type TestServer } from "../../support/server.ts";
import { createRoom, join, newUser, roomPath, sendEvent, sendMessage, setState } from "../../support/rooms.ts";

const V1 = "/_matrix/client/v1";

async function setup() {
  const server = createTestServer();
  const alice = await newUser(server);
  const bob = await newUser(server);
  const roomId = await createRoom(server, alice, { preset: "public_chat" });
  await join(server, bob, roomId);
  return { server, alice, bob, roomId };
}

function relations(
  server: TestServer,
  user: TestUser,
  roomId: string,
  eventId: string,
  rest = "",
  query: Record<string, string> = {},
) {
  const qs = new URLSearchParams(query).toString();
  return server.get(
    `${V1}/rooms/${encodeURIComponent(roomId)}/relations/${encodeURIComponent(eventId)}${rest}${qs ? `?${qs}` : ""}`,
    { token: user.access_token },
  );
}

const reference = (eventId: string, body = "ref") => ({
  msgtype: "m.text",
  body,
  "m.relates_to": { rel_type: "m.reference", event_id: eventId },
});
const ids = (chunk: { event_id: string }[]) => chunk.map((event) => event.event_id);

describe("GET /rooms/{roomId}/relations/{eventId}", () => {
  test("pages backwards through the children, newest first, until next_batch is absent", async () => {
    const { server, alice, bob, roomId } = await setup();
    const parent = await sendMessage(server, alice, roomId, "parent");
    const children = [];
    for (let i = 0; i < 5; i++)
      children.push(await sendEvent(server, i % 2 ? bob : alice, roomId, "m.room.message", reference(parent, `r${i}`)));
    await sendMessage(server, alice, roomId, "unrelated");

    const first = await relations(server, bob, roomId, parent, "", { limit: "2" });
    expect(first.status).toBe(200);
    expect(ids(first.body.chunk)).toEqual([children[4]!, children[3]!]);
    expect(first.body.prev_batch).toBeUndefined();
    expect(first.body.recursion_depth).toBeUndefined();
    const second = await relations(server, bob, roomId, parent, "", { limit: "2", from: first.body.next_batch });
    expect(ids(second.body.chunk)).toEqual([children[2]!, children[1]!]);
    expect(second.body.prev_batch).toBe(first.body.next_batch);
    const third = await relations(server, bob, roomId, parent, "", { limit: "2", from: second.body.next_batch });
    expect(ids(third.body.chunk)).toEqual([children[0]!]);
    expect(third.body.next_batch).toBeUndefined();
    expect(third.body.chunk[0]).toMatchObject({
      type: "m.room.message",
      sender: alice.user_id,
      room_id: roomId,
      content: { body: "r0" },
    });
  });

  test("pages forwards with dir=f, oldest first, and stops at `to`", async () => {
    const { server, alice, roomId } = await setup();
    const parent = await sendMessage(server, alice, roomId, "parent");
    const children = [];
    for (let i = 0; i < 4; i++)
      children.push(await sendEvent(server, alice, roomId, "m.room.message", reference(parent)));
    const first = await relations(server, alice, roomId, parent, "", { dir: "f", limit: "3" });
    expect(ids(first.body.chunk)).toEqual(children.slice(0, 3));
    const rest = await relations(server, alice, roomId, parent, "", { dir: "f", from: first.body.next_batch });
    expect(ids(rest.body.chunk)).toEqual([children[3]!]);
    expect(rest.body.next_batch).toBeUndefined();
    // `to` from a backwards page: the backwards walk stops where the earlier page ended.
    const newest = await relations(server, alice, roomId, parent, "", { limit: "1" });
    const upTo = await relations(server, alice, roomId, parent, "", { to: newest.body.next_batch });
    expect(ids(upTo.body.chunk)).toEqual([children[3]!]);
  });

  test("filters by relation type, and by relation type and event type", async () => {
    const { server, alice, bob, roomId } = await setup();
    const parent = await sendMessage(server, alice, roomId, "parent");
    const ref = await sendEvent(server, bob, roomId, "m.room.message", reference(parent));
    const reaction = await sendEvent(server, bob, roomId, "m.reaction", {
      "m.relates_to": { rel_type: "m.annotation", event_id: parent, key: "👍" },
    });
    const customRef = await sendEvent(server, bob, roomId, "org.example.vote", {
      "m.relates_to": { rel_type: "m.reference", event_id: parent },
    });
    expect(ids((await relations(server, alice, roomId, parent)).body.chunk)).toEqual([customRef, reaction, ref]);
    expect(ids((await relations(server, alice, roomId, parent, "/m.reference")).body.chunk)).toEqual([customRef, ref]);
    expect(ids((await relations(server, alice, roomId, parent, "/m.reference/org.example.vote")).body.chunk)).toEqual([
      customRef,
    ]);
    expect(ids((await relations(server, alice, roomId, parent, "/m.annotation/m.reaction")).body.chunk)).toEqual([
      reaction,
    ]);
    expect((await relations(server, alice, roomId, parent, "/m.replace")).body.chunk).toEqual([]);
  });

  test("recurse includes relations of relations, each passing the filters, and reports the depth", async () => {
    const { server, alice, bob, roomId } = await setup();
    const root = await sendMessage(server, alice, roomId, "root");
    const reply = await sendEvent(server, bob, roomId, "m.room.message", {
      msgtype: "m.text",
      body: "in thread",
      "m.relates_to": { rel_type: "m.thread", event_id: root },
    });
    const reaction = await sendEvent(server, alice, roomId, "m.reaction", {
      "m.relates_to": { rel_type: "m.annotation", event_id: reply, key: "👀" },
    });
    const edit = await sendEvent(server, bob, roomId, "m.room.message", {
      msgtype: "m.text",
      body: "* edited",
      "m.new_content": { msgtype: "m.text", body: "edited" },
      "m.relates_to": { rel_type: "m.replace", event_id: reply },
    });
    expect(ids((await relations(server, alice, roomId, root)).body.chunk)).toEqual([reply]);
    const recursed = await relations(server, alice, roomId, root, "", { recurse: "true" });
    expect(ids(recursed.body.chunk)).toEqual([edit, reaction, reply]);
    expect(recursed.body.recursion_depth).toBe(3);
    const threadOnly = await relations(server, alice, roomId, root, "/m.thread", { recurse: "true" });
    expect(ids(threadOnly.body.chunk)).toEqual([reply]);
    expect((await relations(server, alice, roomId, root, "", { recurse: "false" })).body.recursion_depth).toBe(1);
    const paged = await relations(server, alice, roomId, root, "", { recurse: "true", dir: "f", limit: "2" });
    expect(ids(paged.body.chunk)).toEqual([reply, reaction]);
    expect(
      ids(
        (await relations(server, alice, roomId, root, "", { recurse: "true", dir: "f", from: paged.body.next_batch }))
          .body.chunk,
      ),
    ).toEqual([edit]);
  });

  test("an event relating to an event of another room is not a relation of it", async () => {
    const { server, alice, roomId } = await setup();
    const parent = await sendMessage(server, alice, roomId, "parent");
    const elsewhere = await createRoom(server, alice);
    await sendEvent(server, alice, elsewhere, "m.room.message", reference(parent));
    await sendEvent(server, alice, elsewhere, "m.room.message", {
      msgtype: "m.text",
      body: "x",
      "m.relates_to": { rel_type: "m.thread", event_id: parent },
    });
    expect((await relations(server, alice, roomId, parent)).body.chunk).toEqual([]);
    const event = await server.get(roomPath(roomId, `/event/${encodeURIComponent(parent)}`), {
      token: alice.access_token,
    });
    expect(event.body.unsigned["m.relations"]).toBeUndefined();
    const threads = await server.get(`${V1}/rooms/${encodeURIComponent(roomId)}/threads`, {
      token: alice.access_token,
    });
    expect(threads.body.chunk).toEqual([]);
  });

  test("a redacted child is no longer a relation", async () => {
    const { server, alice, bob, roomId } = await setup();
    const parent = await sendMessage(server, alice, roomId, "parent");
    const ref = await sendEvent(server, bob, roomId, "m.room.message", reference(parent));
    await server.put(roomPath(roomId, `/redact/${encodeURIComponent(ref)}/r1`), {}, { token: bob.access_token });
    expect((await relations(server, alice, roomId, parent)).body.chunk).toEqual([]);
  });

  test("answers 404 M_NOT_FOUND for an unknown parent, a parent in another room, and to users who may not see it", async () => {
    const { server, alice, roomId } = await setup();
    const outsider = await newUser(server);
    const parent = await sendMessage(server, alice, roomId, "parent");
    const unknown = await relations(server, alice, roomId, "$unknown");
    expect(unknown.status).toBe(404);
    expect(unknown.body.errcode).toBe("M_NOT_FOUND");
    const otherRoom = await createRoom(server, alice);
    expect((await relations(server, alice, otherRoom, parent)).status).toBe(404);
    const notMember = await relations(server, outsider, roomId, parent);
    expect(notMember.status).toBe(404);
    expect(notMember.body.errcode).toBe("M_NOT_FOUND");
  });

  test("a user who joined after the parent, in a room that shows history from joining, gets 404", async () => {
    const { server, alice, roomId } = await setup();
    expect(
      (await setState(server, alice, roomId, "m.room.history_visibility", "", { history_visibility: "joined" })).status,
    ).toBe(200);
    const parent = await sendMessage(server, alice, roomId, "before carol");
    const early = await sendEvent(server, alice, roomId, "m.room.message", reference(parent));
    const carol = await newUser(server);
    await join(server, carol, roomId);
    const late = await sendEvent(server, alice, roomId, "m.room.message", reference(parent));
    expect((await relations(server, carol, roomId, parent)).status).toBe(404);
    expect(ids((await relations(server, alice, roomId, parent)).body.chunk)).toEqual([late, early]);
    // A parent from after she joined is hers to see, with its children.
    const seen = await sendMessage(server, alice, roomId, "after carol");
    const child = await sendEvent(server, alice, roomId, "m.room.message", reference(seen));
    expect(ids((await relations(server, carol, roomId, seen)).body.chunk)).toEqual([child]);
  });

  test("a user who left sees the children up to their leave", async () => {
    const { server, alice, bob, roomId } = await setup();
    const parent = await sendMessage(server, alice, roomId, "parent");
    const before = await sendEvent(server, alice, roomId, "m.room.message", reference(parent));
    expect((await server.post(roomPath(roomId, "/leave"), {}, { token: bob.access_token })).status).toBe(200);
    await sendEvent(server, alice, roomId, "m.room.message", reference(parent));
    expect(ids((await relations(server, bob, roomId, parent)).body.chunk)).toEqual([before]);
  });

  test("refuses a malformed token with 400 M_INVALID_PARAM", async () => {
    const { server, alice, roomId } = await setup();
    const parent = await sendMessage(server, alice, roomId, "parent");
    const res = await relations(server, alice, roomId, parent, "", { from: "nonsense" });
    expect(res.status).toBe(400);
    expect(res.body.errcode).toBe("M_INVALID_PARAM");
  });
});
