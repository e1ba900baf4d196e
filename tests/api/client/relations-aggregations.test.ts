import { describe, expect, test } from "bun:test";
import { manualClock, type TestUser } from "../../support/fixtures.ts";
import { createTestServer, type TestServer } from "../../support/server.ts";
import {
  createRoom,
  join,
  messages,
  newUser,
  roomPath,
  sendEvent,
  sendMessage,
  setState,
} from "../../support/rooms.ts";

async function setup() {
  const clock = manualClock();
  const server = createTestServer({}, { clock });
  const alice = await newUser(server);
  const bob = await newUser(server);
  const carol = await newUser(server);
  const roomId = await createRoom(server, alice, { preset: "public_chat" });
  await join(server, bob, roomId);
  await join(server, carol, roomId);
  return { server, clock, alice, bob, carol, roomId };
}

const getEvent = (server: TestServer, user: TestUser, roomId: string, eventId: string) =>
  server.get(roomPath(roomId, `/event/${encodeURIComponent(eventId)}`), { token: user.access_token });
const context = (server: TestServer, user: TestUser, roomId: string, eventId: string) =>
  server.get(roomPath(roomId, `/context/${encodeURIComponent(eventId)}?limit=10`), { token: user.access_token });
const redact = (server: TestServer, user: TestUser, roomId: string, eventId: string) =>
  server.put(
    roomPath(roomId, `/redact/${encodeURIComponent(eventId)}/${crypto.randomUUID()}`),
    {},
    { token: user.access_token },
  );
const edit = (target: string, body: string) => ({
  msgtype: "m.text",
  body: `* ${body}`,
  "m.new_content": { msgtype: "m.text", body },
  "m.relates_to": { rel_type: "m.replace", event_id: target },
});
const inThread = (root: string, body: string) => ({
  msgtype: "m.text",
  body,
  "m.relates_to": { rel_type: "m.thread", event_id: root },
});
const relationsOf = (event: { unsigned: Record<string, any> }) => event.unsigned["m.relations"];

describe("m.replace aggregation", () => {
  test("bundles the latest valid edit and leaves the original content as it is", async () => {
    const { server, clock, alice, bob, roomId } = await setup();
    const original = await sendMessage(server, alice, roomId, "original");
    clock.advance(1000);
    await sendEvent(server, alice, roomId, "m.room.message", edit(original, "first edit"));
    clock.advance(1000);
    const latest = await sendEvent(server, alice, roomId, "m.room.message", edit(original, "second edit"));
    clock.advance(1000);
    // Not valid: another sender, another type, no m.new_content.
    await sendEvent(server, bob, roomId, "m.room.message", edit(original, "bob's edit"));
    await sendEvent(server, alice, roomId, "m.sticker", edit(original, "sticker edit"));
    await sendEvent(server, alice, roomId, "m.room.message", {
      msgtype: "m.text",
      body: "* nothing",
      "m.relates_to": { rel_type: "m.replace", event_id: original },
    });
    const res = await getEvent(server, bob, roomId, original);
    expect(res.body.content).toEqual({ msgtype: "m.text", body: "original" });
    expect(relationsOf(res.body)["m.replace"]).toMatchObject({
      event_id: latest,
      sender: alice.user_id,
      type: "m.room.message",
      room_id: roomId,
      content: { "m.new_content": { body: "second edit" } },
    });
  });

  test("the edit with the largest event id wins a timestamp tie", async () => {
    const { server, alice, roomId } = await setup();
    const original = await sendMessage(server, alice, roomId, "original");
    const edits = [
      await sendEvent(server, alice, roomId, "m.room.message", edit(original, "a")),
      await sendEvent(server, alice, roomId, "m.room.message", edit(original, "b")),
    ];
    const res = await getEvent(server, alice, roomId, original);
    expect(relationsOf(res.body)["m.replace"].event_id).toBe(edits.sort().at(-1)!);
  });

  test("redacting the latest edit falls back to the one before; redacting the original drops the bundle", async () => {
    const { server, clock, alice, roomId } = await setup();
    const original = await sendMessage(server, alice, roomId, "original");
    clock.advance(1000);
    const first = await sendEvent(server, alice, roomId, "m.room.message", edit(original, "first"));
    clock.advance(1000);
    const second = await sendEvent(server, alice, roomId, "m.room.message", edit(original, "second"));
    expect((await redact(server, alice, roomId, second)).status).toBe(200);
    expect(relationsOf((await getEvent(server, alice, roomId, original)).body)["m.replace"].event_id).toBe(first);
    expect((await redact(server, alice, roomId, original)).status).toBe(200);
    const redacted = await getEvent(server, alice, roomId, original);
    expect(redacted.body.content).toEqual({});
    expect(relationsOf(redacted.body)).toBeUndefined();
  });

  test("an edit of an edit, or of a state event, is not bundled", async () => {
    const { server, alice, roomId } = await setup();
    const original = await sendMessage(server, alice, roomId, "original");
    const firstEdit = await sendEvent(server, alice, roomId, "m.room.message", edit(original, "edit"));
    await sendEvent(server, alice, roomId, "m.room.message", edit(firstEdit, "edit of edit"));
    expect(relationsOf((await getEvent(server, alice, roomId, firstEdit)).body)?.["m.replace"]).toBeUndefined();
    const topic = (await setState(server, alice, roomId, "m.room.topic", "", { topic: "t" })).body.event_id as string;
    await sendEvent(server, alice, roomId, "m.room.topic", {
      topic: "x",
      "m.new_content": { topic: "y" },
      "m.relates_to": { rel_type: "m.replace", event_id: topic },
    });
    expect(relationsOf((await getEvent(server, alice, roomId, topic)).body)).toBeUndefined();
  });
});

describe("m.thread aggregation", () => {
  test("gives count, the latest event with its own edit, and whether the reader took part, on /messages, /context and /event", async () => {
    const { server, clock, alice, bob, carol, roomId } = await setup();
    const root = await sendMessage(server, alice, roomId, "root");
    await sendEvent(server, bob, roomId, "m.room.message", inThread(root, "bob says"));
    clock.advance(1000);
    const latest = await sendEvent(server, carol, roomId, "m.room.message", inThread(root, "carol says"));
    clock.advance(1000);
    const latestEdit = await sendEvent(server, carol, roomId, "m.room.message", edit(latest, "carol says, edited"));

    const page = await messages(server, bob, roomId, { dir: "b", limit: "10" });
    const served = page.body.chunk.find((event: { event_id: string }) => event.event_id === root);
    const thread = relationsOf(served)["m.thread"];
    expect(thread).toMatchObject({
      count: 2,
      current_user_participated: true,
      latest_event: { event_id: latest, content: { body: "carol says" } },
    });
    expect(relationsOf(thread.latest_event)["m.replace"].event_id).toBe(latestEdit);

    const fromContext = await context(server, alice, roomId, root);
    expect(relationsOf(fromContext.body.event)["m.thread"]).toMatchObject({
      count: 2,
      current_user_participated: true,
    });
    const outsider = await newUser(server);
    await join(server, outsider, roomId);
    expect(relationsOf((await getEvent(server, outsider, roomId, root)).body)["m.thread"]).toMatchObject({
      count: 2,
      current_user_participated: false,
    });
  });

  test("leaves out thread events of ignored users, and those after a departed reader's leave", async () => {
    const { server, alice, bob, carol, roomId } = await setup();
    const root = await sendMessage(server, alice, roomId, "root");
    const bobs = await sendEvent(server, bob, roomId, "m.room.message", inThread(root, "bob"));
    await sendEvent(server, carol, roomId, "m.room.message", inThread(root, "carol"));
    await server.put(
      `/_matrix/client/v3/user/${encodeURIComponent(alice.user_id)}/account_data/m.ignored_user_list`,
      { ignored_users: { [carol.user_id]: {} } },
      { token: alice.access_token },
    );
    expect(relationsOf((await getEvent(server, alice, roomId, root)).body)["m.thread"]).toMatchObject({
      count: 1,
      latest_event: { event_id: bobs },
    });
    expect(relationsOf((await getEvent(server, bob, roomId, root)).body)["m.thread"].count).toBe(2);

    expect((await server.post(roomPath(roomId, "/leave"), {}, { token: bob.access_token })).status).toBe(200);
    await sendEvent(server, alice, roomId, "m.room.message", inThread(root, "after bob left"));
    expect(relationsOf((await getEvent(server, bob, roomId, root)).body)["m.thread"].count).toBe(2);
    expect(relationsOf((await getEvent(server, carol, roomId, root)).body)["m.thread"].count).toBe(3);
  });
});

describe("m.reference and m.annotation", () => {
  test("references are bundled as a chunk of event ids; annotations are not aggregated", async () => {
    const { server, alice, bob, roomId } = await setup();
    const parent = await sendMessage(server, alice, roomId, "parent");
    const refs = [
      await sendEvent(server, bob, roomId, "m.room.message", {
        msgtype: "m.text",
        body: "see",
        "m.relates_to": { rel_type: "m.reference", event_id: parent },
      }),
      await sendEvent(server, alice, roomId, "org.example.vote", {
        "m.relates_to": { rel_type: "m.reference", event_id: parent },
      }),
    ];
    await sendEvent(server, bob, roomId, "m.reaction", {
      "m.relates_to": { rel_type: "m.annotation", event_id: parent, key: "👍" },
    });
    const relations = relationsOf((await getEvent(server, alice, roomId, parent)).body);
    expect(relations).toEqual({ "m.reference": { chunk: refs.map((event_id) => ({ event_id })) } });
  });
});

describe("unsigned.membership", () => {
  test("is the reader's membership at the event: join while joined, leave before they joined", async () => {
    const { server, alice, roomId } = await setup();
    const early = await sendMessage(server, alice, roomId, "before dave");
    const dave = await newUser(server);
    await join(server, dave, roomId);
    const late = await sendMessage(server, alice, roomId, "after dave");
    const page = await messages(server, dave, roomId, { dir: "b", limit: "20" });
    const byId = new Map(
      page.body.chunk.map((event: { event_id: string; unsigned: { membership?: string } }) => [
        event.event_id,
        event.unsigned.membership,
      ]),
    );
    expect(byId.get(late)).toBe("join");
    expect(byId.get(early)).toBe("leave");
    expect((await getEvent(server, dave, roomId, late)).body.unsigned.membership).toBe("join");
  });
});
