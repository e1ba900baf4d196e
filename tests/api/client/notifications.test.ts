import { beforeEach, describe, expect, test } from "bun:test";
import { createUser, type TestUser } from "../../support/fixtures.ts";
import { createTestServer, type TestServer } from "../../support/server.ts";
import { unreadCounts } from "../../support/streams.ts";

// The listing itself (order, paging, read, highlight) is tested in tests/core/push/notifications.test.ts
// against a stand-in event store; here the events come from the room engine.
let server: TestServer;
let bob: TestUser;

beforeEach(async () => {
  server = createTestServer();
  bob = await createUser(server);
});

describe("GET /notifications", () => {
  test("answers an empty list when nothing notified the user", async () => {
    const res = await server.get("/_matrix/client/v3/notifications", { token: bob.access_token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ notifications: [] });
  });

  test("accepts from, limit and only; a malformed from is 400 M_INVALID_PARAM", async () => {
    expect(
      (await server.get("/_matrix/client/v3/notifications?from=12&limit=5&only=highlight", { token: bob.access_token }))
        .status,
    ).toBe(200);
    const bad = await server.get("/_matrix/client/v3/notifications?from=abc", { token: bob.access_token });
    expect(bad.status).toBe(400);
    expect(bad.body.errcode).toBe("M_INVALID_PARAM");
    expect(
      (await server.get("/_matrix/client/v3/notifications?limit=lots", { token: bob.access_token })).body.errcode,
    ).toBe("M_INVALID_PARAM");
  });

  test("needs an access token", async () => {
    expect((await server.get("/_matrix/client/v3/notifications")).body.errcode).toBe("M_MISSING_TOKEN");
  });

  test("lists messages that notified the user by their push rules, with unread counts recorded in the same commit", async () => {
    const alice = await createUser(server);
    const created = await server.post(
      "/_matrix/client/v3/createRoom",
      { invite: [bob.user_id], is_direct: true },
      { token: alice.access_token },
    );
    const roomId = created.body.room_id as string;
    const invites = await server.get("/_matrix/client/v3/notifications", { token: bob.access_token });
    // The default rule .m.rule.invite_for_me notifies the invitee.
    expect(invites.body.notifications.map((n: { event: { type: string } }) => n.event.type)).toEqual(["m.room.member"]);
    await server.post(`/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, {}, { token: bob.access_token });
    const sent = await server.put(
      `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/n1`,
      { msgtype: "m.text", body: "hi bob" },
      { token: alice.access_token },
    );
    const res = await server.get("/_matrix/client/v3/notifications", { token: bob.access_token });
    const first = res.body.notifications[0];
    // Two members: .m.rule.room_one_to_one notifies every message.
    expect(first).toMatchObject({
      room_id: roomId,
      read: false,
      event: { event_id: sent.body.event_id, content: { body: "hi bob" } },
    });
    expect(unreadCounts(server, bob.user_id, roomId).total.notification_count).toBeGreaterThanOrEqual(1);
    // The sender is never notified of their own event.
    expect(
      (await server.get("/_matrix/client/v3/notifications", { token: alice.access_token })).body.notifications,
    ).toEqual([]);
  });
});
