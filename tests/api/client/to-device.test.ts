import { describe, expect, test } from "bun:test";
import { addDevice, createGuest, createUser, type TestUser } from "../../support/fixtures.ts";
import { createTestServer, tempDir } from "../../support/server.ts";
import {
  acknowledgeToDevice,
  deleteDeviceRow,
  deleteToDeviceInbox,
  expireToDevice,
  pendingToDevice,
  toDeviceInbox,
} from "../../support/to-device.ts";

const path = (type: string, txnId: string) =>
  `/_matrix/client/v3/sendToDevice/${encodeURIComponent(type)}/${encodeURIComponent(txnId)}`;

const inbox = toDeviceInbox;

describe("PUT /sendToDevice/{eventType}/{txnId}", () => {
  test("delivers the content to the named device with sender and type", async () => {
    const server = createTestServer();
    const [alice, bob] = [await createUser(server), await createUser(server)];
    const content = {
      algorithm: "m.olm.v1.curve25519-aes-sha2",
      ciphertext: { abc: { type: 0, body: "x" } },
      sender_key: "k",
    };
    const res = await server.put(
      path("m.room.encrypted", "t1"),
      { messages: { [bob.user_id]: { [bob.device_id]: content } } },
      { token: alice.access_token },
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({});
    expect(inbox(server, bob)).toEqual({
      events: [{ sender: alice.user_id, type: "m.room.encrypted", content }],
      nextPosition: 1,
    });
    expect(inbox(server, alice).events).toEqual([]);
  });

  test("* reaches every device of the user, and a device named twice gets one message", async () => {
    const server = createTestServer();
    const [alice, bob] = [await createUser(server), await createUser(server)];
    const bob2 = addDevice(server, bob, "BOB2");
    await server.put(
      path("m.call.invite", "t1"),
      { messages: { [bob.user_id]: { "*": { n: 1 }, BOB2: { n: 2 } } } },
      { token: alice.access_token },
    );
    expect(inbox(server, bob).events.map((e) => e.content)).toEqual([{ n: 1 }]);
    expect(inbox(server, bob2).events.map((e) => e.content)).toEqual([{ n: 2 }]);
  });

  test("a repeated txnId from the same device is answered but not delivered again", async () => {
    const server = createTestServer();
    const [alice, bob] = [await createUser(server), await createUser(server)];
    const body = { messages: { [bob.user_id]: { [bob.device_id]: { n: 1 } } } };
    for (let i = 0; i < 3; i++)
      expect((await server.put(path("m.test", "same"), body, { token: alice.access_token })).status).toBe(200);
    expect(inbox(server, bob).events).toHaveLength(1);
    // Another path (event type) or another sending device is another transaction.
    await server.put(path("m.other", "same"), body, { token: alice.access_token });
    const alice2 = addDevice(server, alice, "ALICE2");
    await server.put(path("m.test", "same"), body, { token: alice2.access_token });
    expect(inbox(server, bob).events.map((e) => e.type)).toEqual(["m.test", "m.other", "m.test"]);
  });

  test("unknown devices and users, and remote users, are skipped without failing the request", async () => {
    const server = createTestServer();
    const [alice, bob] = [await createUser(server), await createUser(server)];
    const messages = {
      "@nobody:test.local": { X: { n: 0 } },
      [bob.user_id]: { NOSUCHDEVICE: { n: 1 }, [bob.device_id]: { n: 2 } },
      "@carol:remote.example": { "*": { n: 3 } },
    };
    expect((await server.put(path("m.test", "t"), { messages }, { token: alice.access_token })).status).toBe(200);
    expect(inbox(server, bob).events.map((e) => e.content)).toEqual([{ n: 2 }]);
  });

  test("needs an access token and a messages object", async () => {
    const server = createTestServer();
    const alice = await createUser(server);
    expect((await server.put(path("m.test", "t"), { messages: {} })).body.errcode).toBe("M_MISSING_TOKEN");
    const missing = await server.put(path("m.test", "t"), {}, { token: alice.access_token });
    expect([missing.status, missing.body.errcode]).toEqual([400, "M_MISSING_PARAM"]);
    const wrong = await server.put(
      path("m.test", "t"),
      { messages: { [alice.user_id]: { D: "not an object" } } },
      { token: alice.access_token },
    );
    expect([wrong.status, wrong.body.errcode]).toEqual([400, "M_BAD_JSON"]);
  });

  test("guests may send to-device messages", async () => {
    const server = createTestServer();
    const bob = await createUser(server);
    const { user_id: guestId, access_token: token } = await createGuest(server, "guest1");
    expect(
      (await server.put(path("m.test", "g"), { messages: { [bob.user_id]: { "*": {} } } }, { token })).status,
    ).toBe(200);
    expect(inbox(server, bob).events[0]?.sender).toBe(guestId);
  });

  test("one message to every device of 100 users is stored in one request", async () => {
    const server = createTestServer();
    const sender = await createUser(server);
    const users: TestUser[] = [];
    for (let i = 0; i < 100; i++) {
      const user = await createUser(server, `fan${i}`, null);
      users.push(user, addDevice(server, user, "SECOND"), addDevice(server, user, "THIRD"));
    }
    const messages = Object.fromEntries(
      users.filter((_, i) => i % 3 === 0).map((u) => [u.user_id, { "*": { key: "k".repeat(200) } }]),
    );
    const started = performance.now();
    expect(
      (await server.put(path("m.room.encrypted", "fan"), { messages }, { token: sender.access_token })).status,
    ).toBe(200);
    const elapsed = performance.now() - started;
    for (const user of users) expect(inbox(server, user).events).toHaveLength(1);
    expect(elapsed).toBeLessThan(1000); // ~10 ms here; a loose bound so slow CI machines pass
  });
});

describe("the to-device core API for sync", () => {
  test("reads in pages from a position and deletes only what was acknowledged", async () => {
    const server = createTestServer();
    const [alice, bob] = [await createUser(server), await createUser(server)];
    for (let i = 1; i <= 5; i++)
      await server.put(
        path("m.test", `t${i}`),
        { messages: { [bob.user_id]: { "*": { i } } } },
        { token: alice.access_token },
      );
    const first = inbox(server, bob, 0, 2);
    expect([first.events.map((e) => e.content.i), first.nextPosition]).toEqual([[1, 2], 2]);
    // Not acknowledged yet: reading again from 0 gives the same page.
    expect(inbox(server, bob, 0, 2).events.map((e) => e.content.i)).toEqual([1, 2]);
    expect(acknowledgeToDevice(server, bob, first.nextPosition)).toBe(2);
    expect(pendingToDevice(server, bob.user_id, bob.device_id)).toBe(3);
    const rest = inbox(server, bob, first.nextPosition);
    expect([rest.events.map((e) => e.content.i), rest.nextPosition]).toEqual([[3, 4, 5], 5]);
    expect(inbox(server, bob, 5)).toEqual({ events: [], nextPosition: 5 });
  });

  test("positions keep growing after everything was acknowledged", async () => {
    const server = createTestServer();
    const [alice, bob] = [await createUser(server), await createUser(server)];
    await server.put(path("m.test", "a"), { messages: { [bob.user_id]: { "*": {} } } }, { token: alice.access_token });
    acknowledgeToDevice(server, bob, 1);
    await server.put(path("m.test", "b"), { messages: { [bob.user_id]: { "*": {} } } }, { token: alice.access_token });
    expect(inbox(server, bob, 1).nextPosition).toBe(2);
  });

  test("listeners hear about each receiving device after the commit", async () => {
    const server = createTestServer();
    const [alice, bob] = [await createUser(server), await createUser(server)];
    const bob2 = addDevice(server, bob, "BOB2");
    const heard: string[] = [];
    server.services.signals.toDeviceDelivered.subscribe(({ user_id: userId, device_id: deviceId }) => {
      // After commit: the message is already readable.
      expect(pendingToDevice(server, userId, deviceId)).toBe(1);
      heard.push(`${userId}/${deviceId}`);
    });
    await server.put(path("m.test", "n"), { messages: { [bob.user_id]: { "*": {} } } }, { token: alice.access_token });
    expect(heard.sort()).toEqual([`${bob.user_id}/${bob.device_id}`, `${bob2.user_id}/${bob2.device_id}`].sort());
  });

  test("a device over the cap loses its oldest messages, never the newest", async () => {
    const server = createTestServer({ to_device: { max_messages_per_device: 100 } });
    const [alice, bob] = [await createUser(server), await createUser(server)];
    for (let i = 1; i <= 150; i++)
      await server.put(
        path("m.test", `c${i}`),
        { messages: { [bob.user_id]: { "*": { i } } } },
        { token: alice.access_token },
      );
    const { events } = inbox(server, bob, 0, 1000);
    expect(events.map((e) => e.content.i)).toEqual(Array.from({ length: 100 }, (_, k) => k + 51));
  });

  test("unread messages expire after message_lifetime_days", async () => {
    let now = Date.now();
    const server = createTestServer({ to_device: { message_lifetime_days: 30 } }, { clock: { now: () => now } });
    const [alice, bob] = [await createUser(server), await createUser(server)];
    await server.put(
      path("m.test", "old"),
      { messages: { [bob.user_id]: { "*": { age: "old" } } } },
      { token: alice.access_token },
    );
    now += 29 * 24 * 3600 * 1000;
    await server.put(
      path("m.test", "new"),
      { messages: { [bob.user_id]: { "*": { age: "new" } } } },
      { token: alice.access_token },
    );
    now += 2 * 24 * 3600 * 1000;
    expect(expireToDevice(server).messages).toBe(1);
    expect(inbox(server, bob).events.map((e) => e.content.age)).toEqual(["new"]);
  });

  test("deleting a device's inbox drops its messages; the device row going drops them too", async () => {
    const server = createTestServer();
    const [alice, bob] = [await createUser(server), await createUser(server)];
    const bob2 = addDevice(server, bob, "BOB2");
    await server.put(path("m.test", "d"), { messages: { [bob.user_id]: { "*": {} } } }, { token: alice.access_token });
    deleteToDeviceInbox(server, bob);
    expect(pendingToDevice(server, bob.user_id, bob.device_id)).toBe(0);
    deleteDeviceRow(server, bob2);
    expect(pendingToDevice(server, bob2.user_id, bob2.device_id)).toBe(0);
  });

  test("5,000 messages read slowly across a restart arrive once each, in order", async () => {
    const dir = tempDir();
    try {
      let server = createTestServer({}, { databasePath: dir.path });
      const alice = await createUser(server, "slow_alice");
      const bob = await createUser(server, "slow_bob");
      const received: number[] = [];
      let since = 0;
      let sent = 0;
      // The reader acknowledges what its previous read returned, as /sync will with `since`.
      const readSome = (limit: number) => {
        acknowledgeToDevice(server, bob, since);
        const page = inbox(server, bob, since, limit);
        received.push(...page.events.map((e) => e.content.seq as number));
        since = page.nextPosition;
      };
      for (let batch = 0; batch < 50; batch++) {
        for (let i = 0; i < 100; i++, sent++) {
          const res = await server.put(
            path("m.room.encrypted", `s${sent}`),
            { messages: { [bob.user_id]: { [bob.device_id]: { seq: sent } } } },
            { token: alice.access_token },
          );
          expect(res.status).toBe(200);
        }
        readSome(37);
        if (batch === 24) {
          server.close();
          server = createTestServer({}, { databasePath: dir.path });
          // A retry of the last request after the restart is still recognised.
          await server.put(
            path("m.room.encrypted", `s${sent - 1}`),
            { messages: { [bob.user_id]: { [bob.device_id]: { seq: -1 } } } },
            { token: alice.access_token },
          );
        }
      }
      while (received.length < sent) readSome(500);
      expect(received).toEqual(Array.from({ length: 5000 }, (_, i) => i));
      readSome(500);
      expect(pendingToDevice(server, bob.user_id, bob.device_id)).toBe(0);
      server.close();
    } finally {
      dir.remove();
    }
  }, 60_000);
});
