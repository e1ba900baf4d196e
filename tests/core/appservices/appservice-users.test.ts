import { describe, expect, test } from "bun:test";
import { registerAppservice } from "../../support/fake-appservice.ts";
import { crossSigningKeys } from "../../support/e2ee.ts";
import { createUser } from "../../support/fixtures.ts";
import { createTestServer } from "../../support/server.ts";
import { storedAccount, storedDevices } from "../../support/stored.ts";

const REGISTER = "/_matrix/client/v3/register";
const LOGIN = "/_matrix/client/v3/login";
const DEVICES = "/_matrix/client/v3/devices";
const AS_TYPE = "m.login.application_service";

describe("POST /register with m.login.application_service", () => {
  test("creates a user of the namespace without UIA, even with registration closed, and logs it in", async () => {
    const server = createTestServer({ allow_registration: false });
    const as = registerAppservice(server);
    const res = await server.post(REGISTER, { type: AS_TYPE, username: `_${as.id}_alice` }, { token: as.as_token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ user_id: `@_${as.id}_alice:test.local`, home_server: "test.local" });
    expect(res.body.access_token).toBeString();
    expect(
      (await server.get("/_matrix/client/v3/account/whoami", { token: res.body.access_token })).body.device_id,
    ).toBe(res.body.device_id);
    expect(storedAccount(server, `@_${as.id}_alice:test.local`)?.appservice_id).toBe(as.id);
  });

  test("inhibit_login creates the user only", async () => {
    const server = createTestServer();
    const as = registerAppservice(server);
    const res = await server.post(
      REGISTER,
      { type: AS_TYPE, username: `_${as.id}_bob`, inhibit_login: true },
      { token: as.as_token },
    );
    expect(res.body).toEqual({ user_id: `@_${as.id}_bob:test.local`, home_server: "test.local" });
    expect(storedDevices(server, `@_${as.id}_bob:test.local`)).toEqual([]);
  });

  test("a user outside the namespaces is 400 M_EXCLUSIVE; a taken one M_USER_IN_USE", async () => {
    const server = createTestServer();
    const as = registerAppservice(server);
    const outside = await server.post(REGISTER, { type: AS_TYPE, username: "someone" }, { token: as.as_token });
    expect([outside.status, outside.body.errcode]).toEqual([400, "M_EXCLUSIVE"]);
    await server.post(
      REGISTER,
      { type: AS_TYPE, username: `_${as.id}_c`, inhibit_login: true },
      { token: as.as_token },
    );
    const again = await server.post(
      REGISTER,
      { type: AS_TYPE, username: `_${as.id}_c`, inhibit_login: true },
      { token: as.as_token },
    );
    expect([again.status, again.body.errcode]).toEqual([400, "M_USER_IN_USE"]);
  });

  test("without an as_token it is 401 M_MISSING_TOKEN, with a user's token 401 M_UNKNOWN_TOKEN", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const missing = await server.post(REGISTER, { type: AS_TYPE, username: "x" });
    expect([missing.status, missing.body.errcode]).toEqual([401, "M_MISSING_TOKEN"]);
    const wrong = await server.post(REGISTER, { type: AS_TYPE, username: "x" }, { token: user.access_token });
    expect([wrong.status, wrong.body.errcode]).toEqual([401, "M_UNKNOWN_TOKEN"]);
  });

  test("ordinary users cannot register, or ask about, an id in an exclusive namespace", async () => {
    const server = createTestServer({ allow_registration: true });
    const as = registerAppservice(server);
    const res = await server.post(REGISTER, {
      username: `_${as.id}_mallory`,
      password: "pw",
      auth: { type: "m.login.dummy" },
    });
    expect([res.status, res.body.errcode]).toEqual([400, "M_EXCLUSIVE"]);
    const available = await server.get(`${REGISTER}/available?username=_${as.id}_mallory`);
    expect([available.status, available.body.errcode]).toEqual([400, "M_EXCLUSIVE"]);
  });

  test("a non-exclusive namespace does not stop ordinary registration", async () => {
    const server = createTestServer({ allow_registration: true });
    registerAppservice(server, { namespaces: { users: [{ regex: "@shared_.*", exclusive: false }] } });
    const res = await server.post(REGISTER, {
      username: "shared_carol",
      password: "pw",
      auth: { type: "m.login.dummy" },
    });
    expect(res.status).toBe(200);
  });
});

describe("POST /login with m.login.application_service", () => {
  test("logs in as a user of the namespace without a password", async () => {
    const server = createTestServer();
    const as = registerAppservice(server);
    await server.post(
      REGISTER,
      { type: AS_TYPE, username: `_${as.id}_dan`, inhibit_login: true },
      { token: as.as_token },
    );
    const res = await server.post(
      LOGIN,
      { type: AS_TYPE, identifier: { type: "m.id.user", user: `_${as.id}_dan` }, device_id: "DANDEV" },
      { token: as.as_token },
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ user_id: `@_${as.id}_dan:test.local`, device_id: "DANDEV" });
  });

  test("outside the namespaces 400 M_EXCLUSIVE, unknown user 403, no as_token 401", async () => {
    const server = createTestServer();
    const as = registerAppservice(server);
    const user = await createUser(server);
    const outside = await server.post(
      LOGIN,
      { type: AS_TYPE, identifier: { type: "m.id.user", user: user.user_id } },
      { token: as.as_token },
    );
    expect([outside.status, outside.body.errcode]).toEqual([400, "M_EXCLUSIVE"]);
    const unknown = await server.post(
      LOGIN,
      { type: AS_TYPE, identifier: { type: "m.id.user", user: `_${as.id}_nobody` } },
      { token: as.as_token },
    );
    expect([unknown.status, unknown.body.errcode]).toEqual([403, "M_FORBIDDEN"]);
    const anonymous = await server.post(LOGIN, {
      type: AS_TYPE,
      identifier: { type: "m.id.user", user: `_${as.id}_nobody` },
    });
    expect([anonymous.status, anonymous.body.errcode]).toEqual([401, "M_MISSING_TOKEN"]);
  });

  test("a user in an exclusive namespace cannot log in with a password", async () => {
    const server = createTestServer();
    const as = registerAppservice(server);
    await server.services.accounts.createUser(`_${as.id}_pw`, "secret");
    const res = await server.post(LOGIN, {
      type: "m.login.password",
      identifier: { type: "m.id.user", user: `_${as.id}_pw` },
      password: "secret",
    });
    expect([res.status, res.body.errcode]).toEqual([400, "M_EXCLUSIVE"]);
  });
});

describe("device management for appservice users (MSC4190, spec v1.17)", () => {
  test("PUT /devices/{deviceId} creates the device with 201, then renames it with 200", async () => {
    const server = createTestServer();
    const as = registerAppservice(server);
    const userId = `@_${as.id}_eve:test.local`;
    await server.post(
      REGISTER,
      { type: AS_TYPE, username: `_${as.id}_eve`, inhibit_login: true },
      { token: as.as_token },
    );
    const created = await server.put(
      `${DEVICES}/EVEDEV?user_id=${encodeURIComponent(userId)}`,
      { display_name: "Bridge" },
      { token: as.as_token },
    );
    expect([created.status, created.body]).toEqual([201, {}]);
    const renamed = await server.put(
      `${DEVICES}/EVEDEV?user_id=${encodeURIComponent(userId)}`,
      { display_name: "Renamed" },
      { token: as.as_token },
    );
    expect(renamed.status).toBe(200);
    const listed = await server.get(`${DEVICES}?user_id=${encodeURIComponent(userId)}`, { token: as.as_token });
    expect(listed.body.devices).toEqual([{ device_id: "EVEDEV", display_name: "Renamed" }]);
  });

  test("ordinary users still get 404 for an unknown device", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const res = await server.put(`${DEVICES}/NEWDEV`, {}, { token: user.access_token });
    expect(res.status).toBe(404);
  });

  test("DELETE /devices/{deviceId} and /delete_devices need no user-interactive auth", async () => {
    const server = createTestServer();
    const as = registerAppservice(server);
    const userId = `@_${as.id}_fay:test.local`;
    const as_user = `?user_id=${encodeURIComponent(userId)}`;
    await server.post(
      REGISTER,
      { type: AS_TYPE, username: `_${as.id}_fay`, inhibit_login: true },
      { token: as.as_token },
    );
    for (const id of ["A", "B", "C"]) await server.put(`${DEVICES}/${id}${as_user}`, {}, { token: as.as_token });
    expect((await server.delete(`${DEVICES}/A${as_user}`, { token: as.as_token })).status).toBe(200);
    expect(
      (
        await server.post(
          `/_matrix/client/v3/delete_devices${as_user}`,
          { devices: ["B", "C"] },
          { token: as.as_token },
        )
      ).status,
    ).toBe(200);
    expect(storedDevices(server, userId)).toEqual([]);
  });
});

describe("cross-signing for appservice users (spec v1.17)", () => {
  test("replacing existing cross-signing keys needs no user-interactive auth", async () => {
    const server = createTestServer();
    const as = registerAppservice(server);
    const userId = `@_${as.id}_gil:test.local`;
    await server.post(
      REGISTER,
      { type: AS_TYPE, username: `_${as.id}_gil`, inhibit_login: true },
      { token: as.as_token },
    );
    for (let round = 0; round < 2; round++) {
      const keys = crossSigningKeys(userId);
      const body = {
        master_key: keys.master.key,
        self_signing_key: keys.selfSigning.key,
        user_signing_key: keys.userSigning.key,
      };
      const res = await server.post(
        `/_matrix/client/v3/keys/device_signing/upload?user_id=${encodeURIComponent(userId)}`,
        body,
        { token: as.as_token },
      );
      expect([res.status, res.body]).toEqual([200, {}]);
    }
  });
});
