import { beforeEach, describe, expect, test } from "bun:test";
import { createUser, deactivateUser, type TestUser } from "../../support/fixtures.ts";
import { createTestServer, type TestServer } from "../../support/server.ts";

const PUSHERS = "/_matrix/client/v3/pushers";
const URL_OK = "https://push-gateway.example.org/_matrix/push/v1/notify";

let server: TestServer;
let alice: TestUser;

const pusher = (overrides: Record<string, unknown> = {}) => ({
  kind: "http",
  app_id: "com.example.app.ios",
  pushkey: "APA91bHPRgkF3JUikC4ENAHEeMrd41Zxv3hVZjC9KtT8OvPVGJ",
  app_display_name: "Mat Rix",
  device_display_name: "iPhone 9",
  profile_tag: "xxyyzz",
  lang: "en",
  data: { url: URL_OK, format: "event_id_only" },
  ...overrides,
});
const set = (body: unknown, user = alice) => server.post(`${PUSHERS}/set`, body, { token: user.access_token });
const list = async (user = alice) => (await server.get(PUSHERS, { token: user.access_token })).body.pushers;

beforeEach(async () => {
  server = createTestServer();
  alice = await createUser(server);
});

describe("POST /pushers/set and GET /pushers", () => {
  test("a user has no pushers at first", async () => {
    const res = await server.get(PUSHERS, { token: alice.access_token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ pushers: [] });
  });

  test("sets an http pusher, which GET lists with its data as given", async () => {
    const body = pusher({ data: { url: URL_OK, format: "event_id_only", custom: { x: 1 } } });
    const res = await set(body);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({});
    expect(await list()).toEqual([body]);
  });

  test("setting the same app_id and pushkey again updates the pusher", async () => {
    await set(pusher());
    await set(pusher({ lang: "de", device_display_name: "New phone" }));
    expect(await list()).toEqual([expect.objectContaining({ lang: "de", device_display_name: "New phone" })]);
  });

  test("a different pushkey adds a pusher", async () => {
    await set(pusher());
    await set(pusher({ pushkey: "other" }));
    expect((await list()).map((p: { pushkey: string }) => p.pushkey).sort()).toEqual([
      "APA91bHPRgkF3JUikC4ENAHEeMrd41Zxv3hVZjC9KtT8OvPVGJ",
      "other",
    ]);
  });

  test("kind null deletes the pusher with that app_id and pushkey", async () => {
    await set(pusher());
    await set(pusher({ pushkey: "other" }));
    const res = await set({ kind: null, app_id: "com.example.app.ios", pushkey: "other" });
    expect(res.status).toBe(200);
    expect((await list()).map((p: { pushkey: string }) => p.pushkey)).toEqual([
      "APA91bHPRgkF3JUikC4ENAHEeMrd41Zxv3hVZjC9KtT8OvPVGJ",
    ]);
    expect((await set({ kind: null, app_id: "com.example.app.ios", pushkey: "never-set" })).status).toBe(200);
  });

  test("without append, another user's pusher with the same app_id and pushkey is removed; with append it stays", async () => {
    const bob = await createUser(server);
    await set(pusher(), bob);
    await set(pusher());
    expect(await list(bob)).toEqual([]);
    await set(pusher(), bob);
    await set(pusher({ append: true }));
    expect(await list(bob)).toHaveLength(1);
    expect(await list()).toHaveLength(1);
  });

  test("pushers are per user", async () => {
    const bob = await createUser(server);
    await set(pusher());
    expect(await list(bob)).toEqual([]);
  });

  test("logging the device out removes the pushers it set", async () => {
    await set(pusher());
    expect((await server.post("/_matrix/client/v3/logout", {}, { token: alice.access_token })).status).toBe(200);
    expect(server.services.pushers.listPushers(alice.user_id)).toEqual({ pushers: [] });
  });

  test("deactivating the account removes all its pushers, also those no device set", async () => {
    await set(pusher());
    server.stores.pushers.upsertPusher({
      user_id: alice.user_id,
      app_id: "org.example.bridge",
      pushkey: "k",
      kind: "http",
      app_display_name: "Bridge",
      device_display_name: "none",
      profile_tag: null,
      lang: "en",
      data: JSON.stringify({ url: URL_OK }),
      device_id: null,
      pushkey_ts: 0,
    });
    deactivateUser(server, alice);
    expect(server.services.pushers.listPushers(alice.user_id)).toEqual({ pushers: [] });
  });

  test("needs an access token", async () => {
    expect((await server.get(PUSHERS)).body.errcode).toBe("M_MISSING_TOKEN");
    expect((await server.post(`${PUSHERS}/set`, pusher())).body.errcode).toBe("M_MISSING_TOKEN");
  });
});

describe("POST /pushers/set refuses bad pushers", () => {
  test("missing fields for a pusher being set are 400 M_MISSING_PARAM listing them", async () => {
    const res = await set({ kind: "http", app_id: "a", pushkey: "k", app_display_name: "A", device_display_name: "D" });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ errcode: "M_MISSING_PARAM", error: "Missing parameters: lang, data" });
  });

  test("kind, app_id and pushkey are always required", async () => {
    for (const field of ["kind", "app_id", "pushkey"]) {
      const body: Record<string, unknown> = pusher();
      delete body[field];
      const res = await set(body);
      expect(res.status).toBe(400);
      expect(res.body.errcode).toBe("M_MISSING_PARAM");
      expect(res.body.error).toContain(field);
    }
  });

  test("an http pusher needs data.url", async () => {
    const res = await set(pusher({ data: { format: "event_id_only" } }));
    expect(res.status).toBe(400);
    expect(res.body.errcode).toBe("M_MISSING_PARAM");
    expect(res.body.error).toContain("data.url");
  });

  test("data.url must be http(s) with the path /_matrix/push/v1/notify", async () => {
    for (const url of [
      "https://gw.example.org/",
      "https://gw.example.org/_matrix/push/v1/notify/extra",
      "ftp://gw.example.org/_matrix/push/v1/notify",
      "not a url",
      42,
    ]) {
      const res = await set(pusher({ data: { url } }));
      expect(res.status).toBe(400);
      expect(res.body.errcode).toBe(typeof url === "number" ? "M_BAD_JSON" : "M_INVALID_PARAM");
    }
    expect((await set(pusher({ data: { url: "http://127.0.0.1:5000/_matrix/push/v1/notify" } }))).status).toBe(200);
  });

  test("only http pushers are supported", async () => {
    const res = await set(pusher({ kind: "email", app_id: "m.email", pushkey: "alice@example.org" }));
    expect(res.status).toBe(400);
    expect(res.body.errcode).toBe("M_INVALID_PARAM");
    expect(await list()).toEqual([]);
  });

  test("pushkeys over 512 bytes and app ids over 64 characters are refused", async () => {
    expect((await set(pusher({ pushkey: "é".repeat(257) }))).body.errcode).toBe("M_INVALID_PARAM");
    expect((await set(pusher({ app_id: "a".repeat(65) }))).body.errcode).toBe("M_INVALID_PARAM");
    expect((await set(pusher({ pushkey: "k".repeat(512), app_id: "a".repeat(64) }))).status).toBe(200);
  });
});
