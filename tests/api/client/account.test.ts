import { describe, expect, test } from "bun:test";
import { createUser, passwordAuth, pathId } from "../../support/fixtures.ts";
import { createTestServer } from "../../support/server.ts";

const WHOAMI = "/_matrix/client/v3/account/whoami";
const PASSWORD = "/_matrix/client/v3/account/password";
const DEACTIVATE = "/_matrix/client/v3/account/deactivate";
const LOGIN = "/_matrix/client/v3/login";

const login = (user: string, password = "correct horse") => ({
  type: "m.login.password",
  identifier: { type: "m.id.user", user },
  password,
});

describe("GET /account/whoami", () => {
  test("names the user and device of the token", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const res = await server.get(WHOAMI, { token: user.access_token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ user_id: user.user_id, device_id: user.device_id, is_guest: false });
  });
});

describe("POST /account/password", () => {
  test("asks for the password stage first, without an errcode", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const res = await server.post(PASSWORD, { new_password: "new" }, { token: user.access_token });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      flows: [{ stages: ["m.login.password"] }],
      params: {},
      session: expect.any(String),
      completed: [],
    });
  });

  test("a wrong password or another user's identifier fails the stage with 401 M_FORBIDDEN", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const other = await createUser(server);
    const { session } = (await server.post(PASSWORD, { new_password: "new" }, { token: user.access_token })).body;
    const wrong = await server.post(
      PASSWORD,
      { new_password: "new", auth: passwordAuth(user, session, "wrong") },
      { token: user.access_token },
    );
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ errcode: "M_FORBIDDEN", session, completed: [] });
    const impostor = await server.post(
      PASSWORD,
      { new_password: "new", auth: passwordAuth(other, session) },
      { token: user.access_token },
    );
    expect(impostor.status).toBe(401);
    expect(impostor.body.errcode).toBe("M_FORBIDDEN");
  });

  test("a session started by another user is unknown", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const other = await createUser(server);
    const { session } = (await server.post(PASSWORD, { new_password: "new" }, { token: other.access_token })).body;
    const res = await server.post(
      PASSWORD,
      { new_password: "new", auth: passwordAuth(user, session) },
      { token: user.access_token },
    );
    expect(res.status).toBe(400);
    expect(res.body.errcode).toBe("M_UNKNOWN");
  });

  test("changes the password and logs out the other devices, not this one", async () => {
    const server = createTestServer();
    const user = await createUser(server, "pat");
    const otherDevice = await server.post(LOGIN, login("pat"));
    const { session } = (await server.post(PASSWORD, { new_password: "new" }, { token: user.access_token })).body;
    const res = await server.post(
      PASSWORD,
      { new_password: "new pass", auth: passwordAuth(user, session) },
      { token: user.access_token },
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({});
    expect((await server.get(WHOAMI, { token: user.access_token })).status).toBe(200);
    expect((await server.get(WHOAMI, { token: otherDevice.body.access_token })).status).toBe(401);
    expect((await server.post(LOGIN, login("pat"))).status).toBe(403);
    expect((await server.post(LOGIN, login("pat", "new pass"))).status).toBe(200);
  });

  test("logout_devices: false keeps the other devices", async () => {
    const server = createTestServer();
    const user = await createUser(server, "quinn");
    const otherDevice = await server.post(LOGIN, login("quinn"));
    const { session } = (await server.post(PASSWORD, { new_password: "x" }, { token: user.access_token })).body;
    await server.post(
      PASSWORD,
      { new_password: "x", logout_devices: false, auth: passwordAuth(user, session) },
      { token: user.access_token },
    );
    expect((await server.get(WHOAMI, { token: otherDevice.body.access_token })).status).toBe(200);
  });

  test("needs new_password and a token", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    expect((await server.post(PASSWORD, {}, { token: user.access_token })).body.errcode).toBe("M_MISSING_PARAM");
    expect((await server.post(PASSWORD, { new_password: "x" })).body.errcode).toBe("M_MISSING_TOKEN");
  });

  test("an empty new password is M_WEAK_PASSWORD", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const { session } = (await server.post(PASSWORD, { new_password: "" }, { token: user.access_token })).body;
    const res = await server.post(
      PASSWORD,
      { new_password: "", auth: passwordAuth(user, session) },
      { token: user.access_token },
    );
    expect(res.status).toBe(400);
    expect(res.body.errcode).toBe("M_WEAK_PASSWORD");
  });
});

describe("POST /account/deactivate", () => {
  test("asks for the password, then ends the account: no token, no login, no profile", async () => {
    const server = createTestServer();
    const user = await createUser(server, "rita");
    const deactivated: string[] = [];
    server.services.signals.userDeactivated.subscribe((userId) => deactivated.push(userId));
    await server.put(
      `/_matrix/client/v3/user/${pathId(user.user_id)}/account_data/org.example`,
      { a: 1 },
      { token: user.access_token },
    );

    const first = await server.post(DEACTIVATE, {}, { token: user.access_token });
    expect(first.status).toBe(401);
    expect(first.body.flows).toEqual([{ stages: ["m.login.password"] }]);
    const res = await server.post(
      DEACTIVATE,
      { auth: passwordAuth(user, first.body.session) },
      { token: user.access_token },
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id_server_unbind_result: "success" });
    expect(deactivated).toEqual([user.user_id]);

    expect((await server.get(WHOAMI, { token: user.access_token })).body.errcode).toBe("M_UNKNOWN_TOKEN");
    expect((await server.post(LOGIN, login("rita"))).status).toBe(403);
    expect((await server.get(`/_matrix/client/v3/profile/${pathId(user.user_id)}`)).status).toBe(404);
    expect((await server.get("/_matrix/client/v3/register/available?username=rita")).body.errcode).toBe(
      "M_USER_IN_USE",
    );
    // Without erase, account data stays.
    expect(server.stores.accountData.selectContent(user.user_id, "", "org.example")).toBe('{"a":1}');
  });

  test("erase also removes account data and filters", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    await server.put(
      `/_matrix/client/v3/user/${pathId(user.user_id)}/account_data/org.example`,
      { a: 1 },
      { token: user.access_token },
    );
    const { session } = (await server.post(DEACTIVATE, {}, { token: user.access_token })).body;
    await server.post(DEACTIVATE, { erase: true, auth: passwordAuth(user, session) }, { token: user.access_token });
    expect(server.stores.accountData.selectContent(user.user_id, "", "org.example")).toBeUndefined();
  });

  test("a wrong password leaves the account alone", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const { session } = (await server.post(DEACTIVATE, {}, { token: user.access_token })).body;
    const res = await server.post(
      DEACTIVATE,
      { auth: passwordAuth(user, session, "nope") },
      { token: user.access_token },
    );
    expect(res.status).toBe(401);
    expect(res.body.errcode).toBe("M_FORBIDDEN");
    expect((await server.get(WHOAMI, { token: user.access_token })).status).toBe(200);
  });
});

describe("third-party identifiers", () => {
  test("the list is empty and every change is refused with the spec's error", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const token = user.access_token;
    expect((await server.get("/_matrix/client/v3/account/3pid", { token })).body).toEqual({ threepids: [] });
    const cases: [string, number, string][] = [
      ["/account/3pid", 403, "M_THREEPID_AUTH_FAILED"],
      ["/account/3pid/add", 403, "M_THREEPID_DENIED"],
      ["/account/3pid/bind", 403, "M_THREEPID_DENIED"],
      ["/account/3pid/delete", 403, "M_THREEPID_DENIED"],
      ["/account/3pid/unbind", 403, "M_THREEPID_DENIED"],
      ["/account/3pid/email/requestToken", 400, "M_THREEPID_MEDIUM_NOT_SUPPORTED"],
      ["/account/3pid/msisdn/requestToken", 400, "M_THREEPID_MEDIUM_NOT_SUPPORTED"],
      ["/register/email/requestToken", 403, "M_THREEPID_DENIED"],
      ["/register/msisdn/requestToken", 403, "M_THREEPID_DENIED"],
      ["/account/password/email/requestToken", 403, "M_THREEPID_DENIED"],
      ["/account/password/msisdn/requestToken", 403, "M_THREEPID_DENIED"],
    ];
    for (const [path, status, errcode] of cases) {
      const res = await server.post(
        `/_matrix/client/v3${path}`,
        { client_secret: "s", email: "a@example.org", send_attempt: 1 },
        { token },
      );
      expect([path, res.status, res.body.errcode]).toEqual([path, status, errcode]);
    }
  });

  test("the account endpoints need a token", async () => {
    const server = createTestServer();
    expect((await server.get("/_matrix/client/v3/account/3pid")).body.errcode).toBe("M_MISSING_TOKEN");
    expect((await server.post("/_matrix/client/v3/account/3pid/add", {})).body.errcode).toBe("M_MISSING_TOKEN");
  });
});
