/**
 * Issue #4 (rooms) through two matrix-js-sdk clients living on /sync against a real bunduit
 * process: a private room with history, an invite seen through sync and joined, messages both
 * ways, an edit (m.replace), a thread (m.thread), a redaction, back-pagination through the
 * history from before the join, and display names that follow the member events.
 *
 * Each step waits on what the sdk exposes (events, timelines, Thread objects) with a timeout
 * that fails the test when it does not arrive.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  ClientEvent,
  Direction,
  EventTimeline,
  EventType,
  MsgType,
  Preset,
  RelationType,
  RoomEvent,
  RoomMemberEvent,
  SyncState,
  ThreadEvent,
  type MatrixClient,
  type MatrixEvent,
  type Room,
} from "matrix-js-sdk";
import { logger } from "matrix-js-sdk/lib/logger.js";
import { registerSdkClient, openRegistrationToml } from "../support/sdk.ts";
import { startServerProcess, tempDir, type ServerProcess } from "../support/server.ts";

let dir: ReturnType<typeof tempDir>;
let server: ServerProcess;
const clients: MatrixClient[] = [];

beforeAll(async () => {
  (logger as unknown as { disableAll(): void }).disableAll();
  dir = tempDir();
  server = await startServerProcess({
    dir: dir.path,
    toml: openRegistrationToml(dir.path),
  });
});

afterAll(async () => {
  for (const client of clients) client.stopClient();
  await server.stop();
  dir.remove();
});

async function register(username: string): Promise<MatrixClient> {
  const client = await registerSdkClient(server.url, username);
  clients.push(client);
  return client;
}

type Subscribe = (listener: () => void) => () => void;

/** Resolves with the first value `check` returns that is not undefined, re-checked on every event `subscribe` delivers; rejects after `ms`. */
function waitFor<T>(subscribe: Subscribe, check: () => T | undefined, what: string, ms = 5_000): Promise<T> {
  return new Promise((resolve, reject) => {
    let unsubscribe = () => {};
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out waiting for ${what}`));
    }, ms);
    const attempt = () => {
      let value: T | undefined;
      try {
        value = check();
      } catch (error) {
        clearTimeout(timer);
        unsubscribe();
        reject(error);
        return;
      }
      if (value === undefined) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(value);
    };
    unsubscribe = subscribe(attempt);
    attempt();
  });
}

/** Every listed event of the client, plus a slow tick for state the sdk changes without an event we listen to. */
function on(client: MatrixClient, events: string[]): Subscribe {
  return (listener) => {
    for (const event of events) client.on(event as ClientEvent, listener);
    const tick = setInterval(listener, 100);
    return () => {
      clearInterval(tick);
      for (const event of events) client.off(event as ClientEvent, listener);
    };
  };
}

async function start(client: MatrixClient): Promise<void> {
  await client.startClient({ initialSyncLimit: 20, lazyLoadMembers: true, threadSupport: true });
  await waitFor(
    on(client, [ClientEvent.Sync]),
    () => (client.getSyncState() === SyncState.Syncing ? true : undefined),
    "SYNCING",
  );
}

const messages = (events: MatrixEvent[]) => events.filter((e) => e.getType() === EventType.RoomMessage);
const liveEvents = (room: Room) => room.getLiveTimeline().getEvents();
const findEvent = (room: Room, eventId: string) => liveEvents(room).find((e) => e.getId() === eventId);

const HISTORY = 65;

describe("matrix-js-sdk: rooms end to end", () => {
  test("create, invite, join, talk, edit, thread, redact, paginate back and follow display names", async () => {
    const alice = await register("alice");
    const bob = await register("bob");
    const aliceId = alice.getUserId()!;
    const bobId = bob.getUserId()!;
    await alice.setDisplayName("Alice A.");
    await bob.setDisplayName("Bob B.");
    await start(alice);
    await start(bob);

    // Alice makes a private room and fills it with history before anyone else is there.
    const { room_id: roomId } = await alice.createRoom({
      preset: Preset.PrivateChat,
      name: "Rooms e2e",
      topic: "issue 4",
    });
    const aliceRoom = await waitFor(
      on(alice, [ClientEvent.Room]),
      () => alice.getRoom(roomId) ?? undefined,
      "alice's room",
    );
    expect(aliceRoom.getMyMembership()).toBe("join");
    expect(aliceRoom.currentState.getStateEvents(EventType.RoomJoinRules, "")?.getContent().join_rule).toBe("invite");
    expect(
      aliceRoom.currentState.getStateEvents(EventType.RoomHistoryVisibility, "")?.getContent().history_visibility,
    ).toBe("shared");
    for (let i = 0; i < HISTORY; i++) await alice.sendTextMessage(roomId, `history ${i}`);

    // The invite reaches bob through sync, with the room's name and who invited him.
    await alice.invite(roomId, bobId);
    const bobRoom = await waitFor(
      on(bob, [ClientEvent.Room, RoomEvent.MyMembership]),
      () => {
        const room = bob.getRoom(roomId);
        return room?.getMyMembership() === "invite" ? room : undefined;
      },
      "bob's invite",
    );
    expect(bobRoom.name).toBe("Rooms e2e");
    expect(bobRoom.getMember(bobId)?.events.member?.getSender()).toBe(aliceId);

    await bob.joinRoom(roomId);
    await waitFor(
      on(bob, [RoomEvent.MyMembership, RoomEvent.Timeline]),
      () => (bobRoom.getMyMembership() === "join" ? true : undefined),
      "bob joined, at bob",
    );
    await waitFor(
      on(alice, [RoomMemberEvent.Membership]),
      () => (aliceRoom.getMember(bobId)?.membership === "join" ? true : undefined),
      "bob joined, at alice",
    );

    // Each sees the other's display name from the member events.
    expect(aliceRoom.getMember(bobId)?.name).toBe("Bob B.");
    await waitFor(
      on(bob, [RoomMemberEvent.Name, RoomEvent.Timeline]),
      () => (bobRoom.getMember(aliceId)?.name === "Alice A." ? true : undefined),
      "alice's name at bob",
    );

    // Messages both ways, in order, at both ends.
    // Bob answers once he has read alice (else his local echo would rightly come first at his end).
    const hello = (await alice.sendTextMessage(roomId, "hello bob")).event_id;
    await waitFor(on(bob, [RoomEvent.Timeline]), () => findEvent(bobRoom, hello), "alice's message at bob");
    const hi = (await bob.sendTextMessage(roomId, "hi alice")).event_id;
    for (const [client, room] of [
      [alice, aliceRoom],
      [bob, bobRoom],
    ] as const) {
      await waitFor(
        on(client, [RoomEvent.Timeline]),
        () => {
          const ids = messages(liveEvents(room)).map((e) => e.getId());
          return ids.includes(hello) && ids.includes(hi) ? true : undefined;
        },
        `both messages at ${client.getUserId()}`,
      );
      const ids = messages(liveEvents(room)).map((e) => e.getId());
      expect(ids.indexOf(hello)).toBeLessThan(ids.indexOf(hi));
      expect(findEvent(room, hi)?.getSender()).toBe(bobId);
      expect(findEvent(room, hello)?.getContent().body).toBe("hello bob");
    }

    // Alice edits "hello bob"; bob's sdk shows the new content on the original event.
    const edit = await alice.sendMessage(roomId, {
      msgtype: MsgType.Text,
      body: "* hello bob, edited",
      "m.new_content": { msgtype: MsgType.Text, body: "hello bob, edited" },
      "m.relates_to": { rel_type: RelationType.Replace, event_id: hello },
    });
    const editedAtBob = await waitFor(
      on(bob, [RoomEvent.Timeline]),
      () => {
        const original = findEvent(bobRoom, hello);
        return original?.replacingEventId() === edit.event_id ? original : undefined;
      },
      "the edit at bob",
    );
    expect(editedAtBob.getContent().body).toBe("hello bob, edited");
    expect(editedAtBob.getOriginalContent().body).toBe("hello bob");
    expect(editedAtBob.replacingEvent()?.getSender()).toBe(aliceId);

    // Bob opens a thread on "hi alice" (as a client's thread panel does: the Thread exists and has
    // fetched its events before he types) and replies in it; alice's sdk builds the Thread with the reply.
    const bobThread = bobRoom.createThread(hi, findEvent(bobRoom, hi), [], false);
    await waitFor(
      on(bob, [ThreadEvent.Update, ThreadEvent.New]),
      () => (bobThread.initialEventsFetched ? true : undefined),
      "bob's thread fetched",
    );
    const threadReply = await bob.sendTextMessage(roomId, hi, "a reply in the thread");
    const thread = await waitFor(
      on(alice, [ThreadEvent.New, ThreadEvent.Update, RoomEvent.Timeline]),
      () => {
        const thread = aliceRoom.getThread(hi);
        return thread?.events.some((e) => e.getId() === threadReply.event_id) ? thread : undefined;
      },
      "bob's thread at alice",
    );
    expect(aliceRoom.getThreads().map((t) => t.id)).toContain(hi);
    expect(thread.rootEvent?.getId()).toBe(hi);
    expect(thread.length).toBe(1);
    await waitFor(
      on(alice, [ThreadEvent.Update]),
      () => (thread.replyToEvent?.getId() === threadReply.event_id ? true : undefined),
      "the thread's latest reply",
    );
    const replyAtAlice = thread.events.find((e) => e.getId() === threadReply.event_id)!;
    expect(replyAtAlice.getContent().body).toBe("a reply in the thread");
    expect(replyAtAlice.threadRootId).toBe(hi);
    expect(replyAtAlice.getSender()).toBe(bobId);
    // The reply lives in the thread, not in alice's main timeline.
    expect(findEvent(aliceRoom, threadReply.event_id)).toBeUndefined();

    // Alice redacts a message of hers; bob sees it redacted, its content gone.
    const doomed = (await alice.sendTextMessage(roomId, "a regrettable message")).event_id;
    await waitFor(on(bob, [RoomEvent.Timeline]), () => findEvent(bobRoom, doomed), "the doomed message at bob");
    const redaction = await alice.redactEvent(roomId, doomed, undefined, { reason: "oops" });
    const redactedAtBob = await waitFor(
      on(bob, [RoomEvent.Redaction, RoomEvent.Timeline]),
      () => {
        const event = findEvent(bobRoom, doomed);
        return event?.isRedacted() ? event : undefined;
      },
      "the redaction at bob",
    );
    expect(redactedAtBob.getContent()).toEqual({});
    expect(redactedAtBob.getUnsigned().redacted_because?.event_id).toBe(redaction.event_id);
    expect(redactedAtBob.getUnsigned().redacted_because?.content.reason).toBe("oops");

    // Bob paginates back with the sdk through all of alice's history from before his join.
    const history = Array.from({ length: HISTORY }, (_, i) => `history ${i}`);
    const historyAt = (room: Room) =>
      messages(liveEvents(room))
        .map((e) => e.getContent().body as string | undefined)
        .filter((b) => b?.startsWith("history "));
    expect(historyAt(bobRoom).length).toBeLessThan(HISTORY);
    for (let page = 0; page < 20 && !liveEvents(bobRoom).some((e) => e.getType() === EventType.RoomCreate); page++) {
      expect(bobRoom.getLiveTimeline().getPaginationToken(EventTimeline.BACKWARDS)).not.toBeNull();
      await bob.scrollback(bobRoom, 15);
    }
    expect(liveEvents(bobRoom)[0]?.getType()).toBe(EventType.RoomCreate);
    expect(historyAt(bobRoom)).toEqual(history);
    const tail = messages(liveEvents(bobRoom))
      .map((e) => e.getId())
      .slice(HISTORY);
    expect(tail.indexOf(hello)).toBeLessThan(tail.indexOf(hi));
    expect(tail.indexOf(hi)).toBeLessThan(tail.indexOf(doomed));

    // And over /messages directly, from the live end (no `from`) backwards in pages of 10.
    let from: string | null = null;
    const paged: { type: string; body?: string }[] = [];
    for (let page = 0; page < 30; page++) {
      const response = await bob.createMessagesRequest(roomId, from, 10, Direction.Backward);
      expect(response.chunk.length).toBeLessThanOrEqual(10);
      for (const event of response.chunk)
        paged.push({ type: event.type, body: event.content?.body as string | undefined });
      if (!response.end) break;
      from = response.end;
    }
    expect(paged.at(-1)?.type).toBe(EventType.RoomCreate);
    expect(
      paged
        .filter((e) => e.body?.startsWith("history "))
        .map((e) => e.body)
        .reverse(),
    ).toEqual(history);

    // Bob renames himself; the member event updates alice's view.
    await bob.setDisplayName("Bob Renamed");
    await waitFor(
      on(alice, [RoomMemberEvent.Name, RoomEvent.Timeline]),
      () => (aliceRoom.getMember(bobId)?.name === "Bob Renamed" ? true : undefined),
      "bob's new name at alice",
    );
    const memberEvent = aliceRoom.getMember(bobId)!.events.member!;
    expect(memberEvent.getContent()).toMatchObject({ membership: "join", displayname: "Bob Renamed" });
    expect(memberEvent.getPrevContent()).toMatchObject({ membership: "join", displayname: "Bob B." });
    await waitFor(
      on(bob, [RoomMemberEvent.Name]),
      () => (bobRoom.getMember(bobId)?.name === "Bob Renamed" ? true : undefined),
      "bob's new name at bob",
    );
  }, 60_000);
});
