import { beforeEach, describe, expect, test } from "bun:test";
import { createUser, type TestUser } from "../../support/fixtures.ts";
import { createTestServer, type TestServer } from "../../support/server.ts";

// The listing itself (order, paging, read, highlight) is tested in tests/core/push/notifications.test.ts
// against a stand-in event store: on this branch the room engine is not there to provide events.
let server: TestServer;
let bob: TestUser;

beforeEach(async () => {
  server = createTestServer();
  bob = await createUser(server);
});

describe("GET /notifications", () => {
  test("answers an empty list until the room engine provides events", async () => {
    const res = await server.get("/_matrix/client/v3/notifications", { token: bob.access_token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ notifications: [] });
  });

  test("accepts from, limit and only; a malformed from is 400 M_INVALID_PARAM", async () => {
    expect((await server.get("/_matrix/client/v3/notifications?from=12&limit=5&only=highlight", { token: bob.access_token })).status).toBe(200);
    const bad = await server.get("/_matrix/client/v3/notifications?from=abc", { token: bob.access_token });
    expect(bad.status).toBe(400);
    expect(bad.body.errcode).toBe("M_INVALID_PARAM");
    expect((await server.get("/_matrix/client/v3/notifications?limit=lots", { token: bob.access_token })).body.errcode).toBe("M_INVALID_PARAM");
  });

  test("needs an access token", async () => {
    expect((await server.get("/_matrix/client/v3/notifications")).body.errcode).toBe("M_MISSING_TOKEN");
  });
});
