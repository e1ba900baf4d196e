/**
 * matrix-js-sdk clients living on /sync against a real bunduit process: two clients start,
 * reach PREPARED, and see each other's messages, typing, read receipts and display names;
 * a pusher's gateway (a local Bun.serve) hears of a message.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  ClientEvent,
  RoomEvent,
  RoomMemberEvent,
  SyncState,
  type MatrixClient,
  type MatrixEvent,
  type Room,
} from "matrix-js-sdk";
import { logger } from "matrix-js-sdk/lib/logger.js";
import { startFakePushGateway, type FakePushGateway } from "../support/fake-push-gateway.ts";
import { registerSdkClient, openRegistrationToml } from "../support/sdk.ts";
import { startServerProcess, tempDir, type ServerProcess } from "../support/server.ts";

let dir: ReturnType<typeof tempDir>;
let server: ServerProcess;
let gateway: FakePushGateway;
const clients: MatrixClient[] = [];

beforeAll(async () => {
  // Parts of the sdk (MatrixRTC sessions, the message queue) log through the global logger.
  (logger as unknown as { disableAll(): void }).disableAll();
  dir = tempDir();
  gateway = startFakePushGateway();
  server = await startServerProcess({
    dir: dir.path,
    toml: openRegistrationToml(dir.path),
  });
});

afterAll(async () => {
  for (const client of clients) client.stopClient();
  await server.stop();
  await gateway.stop();
  dir.remove();
});

async function register(username: string): Promise<MatrixClient> {
  const client = await registerSdkClient(server.url, username);
  clients.push(client);
  return client;
}

/** Resolves with the first value `check` returns that is not undefined, re-checked on every event of `emitter`. */
function waitFor<T>(
  subscribe: (listener: () => void) => () => void,
  check: () => T | undefined,
  what: string,
  ms = 5_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out waiting for ${what}`));
    }, ms);
    const attempt = () => {
      const value = check();
      if (value === undefined) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(value);
    };
    const unsubscribe = subscribe(attempt);
    attempt();
  });
}

function onClient(client: MatrixClient, events: string[]) {
  return (listener: () => void) => {
    for (const event of events) client.on(event as ClientEvent, listener);
    return () => events.forEach((event) => client.off(event as ClientEvent, listener));
  };
}

async function start(client: MatrixClient): Promise<void> {
  const states: string[] = [];
  client.on(ClientEvent.Sync, (state) => states.push(state));
  await client.startClient({ initialSyncLimit: 20, lazyLoadMembers: true });
  await waitFor(
    onClient(client, [ClientEvent.Sync]),
    () => (states.includes(SyncState.Prepared) ? true : undefined),
    "PREPARED",
  );
  await waitFor(
    onClient(client, [ClientEvent.Sync]),
    () => (client.getSyncState() === SyncState.Syncing ? true : undefined),
    "SYNCING",
  );
}

const roomOf = (client: MatrixClient, roomId: string) => () => client.getRoom(roomId) ?? undefined;
const bodies = (room: Room) =>
  room
    .getLiveTimeline()
    .getEvents()
    .filter((e: MatrixEvent) => e.getType() === "m.room.message")
    .map((e) => e.getContent().body);

describe("matrix-js-sdk on /sync", () => {
  test("two clients reach PREPARED and see each other's messages, typing, receipts and names; the push gateway hears a message", async () => {
    const alice = await register("alice");
    const bob = await register("bob");
    await alice.setDisplayName("Alice A.");
    await bob.setDisplayName("Bob B.");
    await bob.setPusher({
      pushkey: "bob-pushkey",
      kind: "http",
      app_id: "e2e.app",
      app_display_name: "e2e",
      device_display_name: "bob's phone",
      lang: "en",
      data: { url: gateway.url, format: "event_id_only" },
    });
    await start(alice);
    await start(bob);

    const { room_id: roomId } = await alice.createRoom({ name: "Sync e2e", invite: [bob.getUserId()!] });
    await waitFor(
      onClient(bob, [ClientEvent.Room, RoomEvent.MyMembership]),
      () => (bob.getRoom(roomId)?.getMyMembership() === "invite" ? true : undefined),
      "bob's invite",
    );
    await bob.joinRoom(roomId);
    const aliceRoom = await waitFor(
      onClient(alice, [RoomMemberEvent.Membership]),
      () => {
        const room = alice.getRoom(roomId);
        return room?.getMember(bob.getUserId()!)?.membership === "join" ? room : undefined;
      },
      "bob joined, seen by alice",
    );
    expect(aliceRoom.getMember(bob.getUserId()!)?.name).toBe("Bob B.");

    const pushesBefore = gateway.requests.length;
    await alice.sendTextMessage(roomId, "hello bob");
    const bobRoom = await waitFor(
      onClient(bob, [RoomEvent.Timeline]),
      () => {
        const room = bob.getRoom(roomId);
        return room && bodies(room).includes("hello bob") ? room : undefined;
      },
      "alice's message at bob",
    );
    expect(bobRoom.getMember(alice.getUserId()!)?.name).toBe("Alice A.");
    expect(bobRoom.getUnreadNotificationCount()).toBeGreaterThan(0);
    for (
      let i = 0;
      i < 100 && !gateway.requests.slice(pushesBefore).some((r) => r.notification.room_id === roomId);
      i++
    )
      await Bun.sleep(20);
    const push = gateway.requests.slice(pushesBefore).find((r) => r.notification.room_id === roomId);
    expect(push?.notification.devices[0].pushkey).toBe("bob-pushkey");

    await bob.sendTyping(roomId, true, 10_000);
    await waitFor(
      onClient(alice, [RoomMemberEvent.Typing]),
      () => (aliceRoom.getMember(bob.getUserId()!)?.typing ? true : undefined),
      "bob typing at alice",
    );

    const message = bobRoom
      .getLiveTimeline()
      .getEvents()
      .find((e) => e.getContent().body === "hello bob")!;
    await bob.sendReadReceipt(message);
    await waitFor(
      onClient(alice, [RoomEvent.Receipt]),
      () => (aliceRoom.getEventReadUpTo(bob.getUserId()!) === message.getId() ? true : undefined),
      "bob's receipt at alice",
    );
    const onRoom = (listener: () => void) => {
      bobRoom.on(RoomEvent.UnreadNotifications, listener);
      return () => void bobRoom.off(RoomEvent.UnreadNotifications, listener);
    };
    await waitFor(onRoom, () => (bobRoom.getUnreadNotificationCount() === 0 ? true : undefined), "bob's count reset");

    await bob.sendTextMessage(roomId, "hi alice");
    await waitFor(
      onClient(alice, [RoomEvent.Timeline]),
      () => (bodies(aliceRoom).includes("hi alice") ? true : undefined),
      "bob's reply at alice",
    );
  }, 30_000);
});
