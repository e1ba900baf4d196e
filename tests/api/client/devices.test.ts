import { describe, expect, test } from "bun:test";
import { createUser, manualClock, passwordAuth } from "../../support/fixtures.ts";
import { createTestServer } from "../../support/server.ts";
import { storedDevice, storedDevices } from "../../support/stored.ts";
import { flushLastSeen } from "../../support/streams.ts";

const DEVICES = "/_matrix/client/v3/devices";

describe("GET /devices and /devices/{deviceId}", () => {
  test("list the user's own devices with last-seen data before it is written to disk", async () => {
    const clock = manualClock();
    const server = createTestServer({}, { clock });
    const user = await createUser(server);
    await createUser(server);
    const res = await server.get(DEVICES, { token: user.access_token });
    expect(res.status).toBe(200);
    expect(res.body.devices).toEqual([{ device_id: user.device_id, last_seen_ts: clock.now() }]);
    // Nothing was written yet: the value came from memory.
    expect(storedDevice(server, user)?.last_seen_ts).toBeNull();
    flushLastSeen(server);
    expect(storedDevice(server, user)?.last_seen_ts).toBe(clock.now());
  });

  test("last_seen_ts moves with each request", async () => {
    const clock = manualClock();
    const server = createTestServer({}, { clock });
    const user = await createUser(server);
    await server.get(DEVICES, { token: user.access_token });
    clock.advance(5000);
    const res = await server.get(`${DEVICES}/${user.device_id}`, { token: user.access_token });
    expect(res.body).toEqual({ device_id: user.device_id, last_seen_ts: clock.now() });
  });

  test("an unknown device, or another user's, is 404 M_NOT_FOUND", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const other = await createUser(server);
    for (const id of ["NOPE", other.device_id]) {
      const res = await server.get(`${DEVICES}/${id}`, { token: user.access_token });
      expect(res.status).toBe(404);
      expect(res.body.errcode).toBe("M_NOT_FOUND");
    }
  });
});

describe("PUT /devices/{deviceId}", () => {
  test("renames a device", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const res = await server.put(
      `${DEVICES}/${user.device_id}`,
      { display_name: "Work laptop" },
      { token: user.access_token },
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({});
    expect((await server.get(`${DEVICES}/${user.device_id}`, { token: user.access_token })).body.display_name).toBe(
      "Work laptop",
    );
  });

  test("cannot create a device: 404 M_NOT_FOUND", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const res = await server.put(`${DEVICES}/NEWONE`, { display_name: "x" }, { token: user.access_token });
    expect(res.status).toBe(404);
    expect(res.body.errcode).toBe("M_NOT_FOUND");
  });

  test("a non-string display name is M_BAD_JSON", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    expect(
      (await server.put(`${DEVICES}/${user.device_id}`, { display_name: 5 }, { token: user.access_token })).body
        .errcode,
    ).toBe("M_BAD_JSON");
  });
});

describe("DELETE /devices/{deviceId} and POST /delete_devices", () => {
  test("deleting needs the password stage, then the device and its token are gone", async () => {
    const server = createTestServer();
    const user = await createUser(server, "dora");
    const second = await server.post("/_matrix/client/v3/login", {
      type: "m.login.password",
      user: "dora",
      password: "correct horse",
    });
    const deleted: [string, string[]][] = [];
    server.services.signals.devicesDeleted.subscribe(({ user_id: userId, device_ids: ids }) =>
      deleted.push([userId, ids]),
    );

    const first = await server.request("DELETE", `${DEVICES}/${second.body.device_id}`, {
      token: user.access_token,
      body: {},
    });
    expect(first.status).toBe(401);
    expect(first.body.flows).toEqual([{ stages: ["m.login.password"] }]);
    const res = await server.request("DELETE", `${DEVICES}/${second.body.device_id}`, {
      token: user.access_token,
      body: { auth: passwordAuth(user, first.body.session) },
    });
    expect(res.status).toBe(200);
    expect((await server.get("/_matrix/client/v3/account/whoami", { token: second.body.access_token })).status).toBe(
      401,
    );
    expect(
      (await server.get(DEVICES, { token: user.access_token })).body.devices.map(
        (d: { device_id: string }) => d.device_id,
      ),
    ).toEqual([user.device_id]);
    expect(deleted).toEqual([[user.user_id, [second.body.device_id]]]);
  });

  test("DELETE without a body still starts auth", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const res = await server.delete(`${DEVICES}/${user.device_id}`, { token: user.access_token });
    expect(res.status).toBe(401);
    expect(res.body.session).toEqual(expect.any(String));
  });

  test("a session authorised for one device cannot delete another", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const { session } = (await server.request("DELETE", `${DEVICES}/AAAA`, { token: user.access_token, body: {} }))
      .body;
    const res = await server.request("DELETE", `${DEVICES}/${user.device_id}`, {
      token: user.access_token,
      body: { auth: passwordAuth(user, session) },
    });
    expect(res.status).toBe(400);
    expect(res.body.errcode).toBe("M_UNKNOWN");
  });

  test("deleting an unknown device succeeds", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const { session } = (await server.request("DELETE", `${DEVICES}/GHOST`, { token: user.access_token, body: {} }))
      .body;
    const res = await server.request("DELETE", `${DEVICES}/GHOST`, {
      token: user.access_token,
      body: { auth: passwordAuth(user, session) },
    });
    expect(res.status).toBe(200);
  });

  test("delete_devices deletes several devices after the password stage", async () => {
    const server = createTestServer();
    const user = await createUser(server, "ed");
    const login = () =>
      server.post("/_matrix/client/v3/login", { type: "m.login.password", user: "ed", password: "correct horse" });
    const a = (await login()).body;
    const b = (await login()).body;
    const body = { devices: [a.device_id, b.device_id] };
    const first = await server.post("/_matrix/client/v3/delete_devices", body, { token: user.access_token });
    expect(first.status).toBe(401);
    const wrong = await server.post(
      "/_matrix/client/v3/delete_devices",
      { ...body, auth: passwordAuth(user, first.body.session, "bad") },
      { token: user.access_token },
    );
    expect(wrong.body.errcode).toBe("M_FORBIDDEN");
    const res = await server.post(
      "/_matrix/client/v3/delete_devices",
      { ...body, auth: passwordAuth(user, first.body.session) },
      { token: user.access_token },
    );
    expect(res.status).toBe(200);
    expect(storedDevices(server, user.user_id).map((d) => d.device_id)).toEqual([user.device_id]);
    expect(
      (await server.post("/_matrix/client/v3/delete_devices", {}, { token: user.access_token })).body.errcode,
    ).toBe("M_MISSING_PARAM");
  });

  test("guests may list and rename their devices but not delete them", async () => {
    const server = createTestServer({ allow_guest_registration: true });
    const guest = (await server.post("/_matrix/client/v3/register?kind=guest", {})).body;
    const token = guest.access_token;
    expect((await server.get(DEVICES, { token })).status).toBe(200);
    expect((await server.put(`${DEVICES}/${guest.device_id}`, { display_name: "tab" }, { token })).status).toBe(200);
    const res = await server.request("DELETE", `${DEVICES}/${guest.device_id}`, { token, body: {} });
    expect(res.status).toBe(403);
    expect(res.body.errcode).toBe("M_GUEST_ACCESS_FORBIDDEN");
  });
});
