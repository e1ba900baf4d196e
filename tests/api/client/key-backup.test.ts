import { describe, expect, test } from "bun:test";
import { createUser, type TestUser } from "../../support/fixtures.ts";
import { createTestServer, type TestServer } from "../../support/server.ts";
import { storedBackupSessionCount } from "../../support/stored.ts";

const BASE = "/_matrix/client/v3/room_keys";
const ALGORITHM = "m.megolm_backup.v1.curve25519-aes-sha2";
const ROOM = "!room:test.local";
const room = encodeURIComponent(ROOM);

function session(
  overrides: Partial<{ first_message_index: number; forwarded_count: number; is_verified: boolean; tag: string }> = {},
) {
  const { tag = "x", ...metadata } = overrides;
  return {
    first_message_index: 0,
    forwarded_count: 0,
    is_verified: false,
    ...metadata,
    session_data: { ephemeral: "e", ciphertext: tag, mac: "m" },
  };
}

async function newVersion(server: TestServer, user: TestUser, publicKey = "pk"): Promise<string> {
  const res = await server.post(
    `${BASE}/version`,
    { algorithm: ALGORITHM, auth_data: { public_key: publicKey } },
    { token: user.access_token },
  );
  expect(res.status).toBe(200);
  return res.body.version;
}

describe("backup versions", () => {
  test("there is no current version until one is created; then it is described with count and etag", async () => {
    const server = createTestServer();
    const alice = await createUser(server);
    const none = await server.get(`${BASE}/version`, { token: alice.access_token });
    expect([none.status, none.body.errcode]).toEqual([404, "M_NOT_FOUND"]);
    const version = await newVersion(server, alice);
    const current = await server.get(`${BASE}/version`, { token: alice.access_token });
    expect(current.body).toEqual({
      algorithm: ALGORITHM,
      auth_data: { public_key: "pk" },
      count: 0,
      etag: "0",
      version,
    });
    expect((await server.get(`${BASE}/version/${version}`, { token: alice.access_token })).body).toEqual(current.body);
    expect((await server.get(`${BASE}/version/99`, { token: alice.access_token })).status).toBe(404);
    expect((await server.get(`${BASE}/version/not-a-number`, { token: alice.access_token })).status).toBe(404);
  });

  test("a new version becomes current; versions belong to their user", async () => {
    const server = createTestServer();
    const [alice, bob] = [await createUser(server), await createUser(server)];
    const first = await newVersion(server, alice);
    const second = await newVersion(server, alice, "pk2");
    expect(Number(second)).toBeGreaterThan(Number(first));
    expect((await server.get(`${BASE}/version`, { token: alice.access_token })).body.version).toBe(second);
    expect((await server.get(`${BASE}/version`, { token: bob.access_token })).status).toBe(404);
  });

  test("PUT replaces auth_data only: the algorithm and a body version must match", async () => {
    const server = createTestServer();
    const alice = await createUser(server);
    const version = await newVersion(server, alice);
    const put = (body: Record<string, unknown>, v = version) =>
      server.put(`${BASE}/version/${v}`, body, { token: alice.access_token });
    expect((await put({ algorithm: ALGORITHM, auth_data: { public_key: "new" }, version })).body).toEqual({});
    expect((await server.get(`${BASE}/version`, { token: alice.access_token })).body.auth_data).toEqual({
      public_key: "new",
    });
    expect((await put({ algorithm: "other", auth_data: {} })).body.errcode).toBe("M_INVALID_PARAM");
    expect((await put({ algorithm: ALGORITHM, auth_data: {}, version: "7" })).body.errcode).toBe("M_INVALID_PARAM");
    expect((await put({ algorithm: ALGORITHM, auth_data: {} }, "42")).status).toBe(404);
  });

  test("DELETE removes a version and its keys, answers 200 again, and 404 for an unknown one", async () => {
    const server = createTestServer();
    const alice = await createUser(server);
    const older = await newVersion(server, alice);
    const version = await newVersion(server, alice);
    await server.put(
      `${BASE}/keys?version=${version}`,
      { rooms: { [ROOM]: { sessions: { s: session() } } } },
      { token: alice.access_token },
    );
    expect((await server.delete(`${BASE}/version/${version}`, { token: alice.access_token })).status).toBe(200);
    expect((await server.delete(`${BASE}/version/${version}`, { token: alice.access_token })).status).toBe(200);
    expect((await server.delete(`${BASE}/version/77`, { token: alice.access_token })).status).toBe(404);
    expect((await server.get(`${BASE}/keys?version=${version}`, { token: alice.access_token })).status).toBe(404);
    expect(storedBackupSessionCount(server, alice.user_id, Number(version))).toBe(0);
    // The older version is current again, and numbers are not reused.
    expect((await server.get(`${BASE}/version`, { token: alice.access_token })).body.version).toBe(older);
    expect(Number(await newVersion(server, alice))).toBeGreaterThan(Number(version));
  });
});

describe("backed-up keys", () => {
  test("PUT at each level stores keys and answers the etag and count; GET returns them", async () => {
    const server = createTestServer();
    const alice = await createUser(server);
    const version = await newVersion(server, alice);
    const token = alice.access_token;
    const all = await server.put(
      `${BASE}/keys?version=${version}`,
      { rooms: { [ROOM]: { sessions: { s1: session() } }, "!b:test.local": { sessions: { s2: session() } } } },
      { token },
    );
    expect(all.body).toEqual({ etag: "1", count: 2 });
    const inRoom = await server.put(
      `${BASE}/keys/${room}?version=${version}`,
      { sessions: { s3: session() } },
      { token },
    );
    expect(inRoom.body).toEqual({ etag: "2", count: 3 });
    const one = await server.put(`${BASE}/keys/${room}/s4?version=${version}`, session({ tag: "four" }), { token });
    expect(one.body).toEqual({ etag: "3", count: 4 });
    expect((await server.get(`${BASE}/keys/${room}/s4?version=${version}`, { token })).body).toEqual(
      session({ tag: "four" }),
    );
    expect(
      Object.keys((await server.get(`${BASE}/keys/${room}?version=${version}`, { token })).body.sessions).sort(),
    ).toEqual(["s1", "s3", "s4"]);
    expect(Object.keys((await server.get(`${BASE}/keys?version=${version}`, { token })).body.rooms).sort()).toEqual([
      "!b:test.local",
      ROOM,
    ]);
    expect(
      (await server.get(`${BASE}/keys/${encodeURIComponent("!none:test.local")}?version=${version}`, { token })).body,
    ).toEqual({ sessions: {} });
    const missing = await server.get(`${BASE}/keys/${room}/nope?version=${version}`, { token });
    expect([missing.status, missing.body.errcode]).toEqual([404, "M_NOT_FOUND"]);
    expect((await server.get(`${BASE}/version`, { token })).body).toMatchObject({ count: 4, etag: "3" });
  });

  test("a stored session is replaced only by a better one", async () => {
    const server = createTestServer();
    const alice = await createUser(server);
    const version = await newVersion(server, alice);
    const token = alice.access_token;
    const put = (s: ReturnType<typeof session>) =>
      server.put(`${BASE}/keys/${room}/s?version=${version}`, s, { token });
    const stored = async () =>
      (await server.get(`${BASE}/keys/${room}/s?version=${version}`, { token })).body.session_data.ciphertext;
    await put(session({ first_message_index: 5, forwarded_count: 2, tag: "start" }));
    await put(session({ first_message_index: 9, is_verified: false, tag: "later index" }));
    expect(await stored()).toBe("start");
    await put(session({ first_message_index: 5, forwarded_count: 2, tag: "tie" }));
    expect(await stored()).toBe("start");
    await put(session({ first_message_index: 5, forwarded_count: 1, tag: "fewer forwards" }));
    expect(await stored()).toBe("fewer forwards");
    await put(session({ first_message_index: 1, forwarded_count: 9, tag: "earlier index" }));
    expect(await stored()).toBe("earlier index");
    await put(session({ first_message_index: 50, forwarded_count: 50, is_verified: true, tag: "verified" }));
    expect(await stored()).toBe("verified");
    const worse = await put(
      session({ first_message_index: 0, forwarded_count: 0, is_verified: false, tag: "unverified" }),
    );
    expect(await stored()).toBe("verified");
    // A rejected copy is no change: the etag stays.
    expect(worse.body).toEqual({ etag: "4", count: 1 });
  });

  test("uploads to a version other than the current one get 403 M_WRONG_ROOM_KEYS_VERSION with current_version", async () => {
    const server = createTestServer();
    const alice = await createUser(server);
    const token = alice.access_token;
    const none = await server.put(`${BASE}/keys/${room}/s?version=1`, session(), { token });
    expect([none.status, none.body.errcode]).toEqual([404, "M_NOT_FOUND"]);
    const old = await newVersion(server, alice);
    const current = await newVersion(server, alice);
    for (const v of [old, "12345", "junk"]) {
      const res = await server.put(`${BASE}/keys/${room}/s?version=${v}`, session(), { token });
      expect([res.status, res.body.errcode, res.body.current_version]).toEqual([
        403,
        "M_WRONG_ROOM_KEYS_VERSION",
        current,
      ]);
    }
  });

  test("DELETE at each level removes keys and answers the new etag and count", async () => {
    const server = createTestServer();
    const alice = await createUser(server);
    const version = await newVersion(server, alice);
    const token = alice.access_token;
    await server.put(
      `${BASE}/keys?version=${version}`,
      {
        rooms: {
          [ROOM]: { sessions: { s1: session(), s2: session() } },
          "!b:test.local": { sessions: { s3: session() } },
        },
      },
      { token },
    );
    expect((await server.delete(`${BASE}/keys/${room}/s1?version=${version}`, { token })).body).toEqual({
      etag: "2",
      count: 2,
    });
    expect((await server.delete(`${BASE}/keys/${room}?version=${version}`, { token })).body).toEqual({
      etag: "3",
      count: 1,
    });
    expect((await server.delete(`${BASE}/keys?version=${version}`, { token })).body).toEqual({ etag: "4", count: 0 });
    expect((await server.delete(`${BASE}/keys?version=9`, { token })).status).toBe(404);
  });

  test("validates the body and needs the version parameter and a user", async () => {
    const server = createTestServer();
    const alice = await createUser(server);
    const version = await newVersion(server, alice);
    const token = alice.access_token;
    const noVersion = await server.get(`${BASE}/keys`, { token });
    expect([noVersion.status, noVersion.body.errcode]).toEqual([400, "M_MISSING_PARAM"]);
    const bad = await server.put(
      `${BASE}/keys/${room}/s?version=${version}`,
      { ...session(), forwarded_count: -1 },
      { token },
    );
    expect([bad.status, bad.body.errcode]).toEqual([400, "M_BAD_JSON"]);
    const notObject = await server.put(
      `${BASE}/keys/${room}/s?version=${version}`,
      { ...session(), session_data: "text" },
      { token },
    );
    expect([notObject.status, notObject.body.errcode]).toEqual([400, "M_BAD_JSON"]);
    expect((await server.get(`${BASE}/version`)).status).toBe(401);
  });
});
