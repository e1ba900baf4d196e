import { afterEach, describe, expect, test } from "bun:test";
import { registerAppservice, startFakeAppservice } from "../../support/fake-appservice.ts";
import { createUser } from "../../support/fixtures.ts";
import { createTestServer, freePort } from "../../support/server.ts";

const ping = (id: string) => `/_matrix/client/v1/appservice/${encodeURIComponent(id)}/ping`;
const stops: (() => unknown)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

async function setup(timeoutMs = 2000) {
  const fake = await startFakeAppservice();
  stops.push(() => fake.stop());
  const server = createTestServer({ appservices: { request_timeout_ms: timeoutMs } });
  const as = registerAppservice(server, { url: fake.url, hs_token: fake.hsToken });
  return { fake, server, as };
}

describe("POST /_matrix/client/v1/appservice/{appserviceId}/ping", () => {
  test("calls the appservice's /ping with the hs_token and transaction_id and reports the duration", async () => {
    const { fake, server, as } = await setup();
    const res = await server.post(ping(as.id), { transaction_id: "meow" }, { token: as.as_token });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(["duration_ms"]);
    expect(Number.isInteger(res.body.duration_ms)).toBe(true);
    expect(fake.requests).toEqual([
      {
        method: "POST",
        path: "/_matrix/app/v1/ping",
        authorization: `Bearer ${fake.hsToken}`,
        body: '{"transaction_id":"meow"}',
      },
    ]);
  });

  test("only the appservice's own as_token may ping it", async () => {
    const { server, as } = await setup();
    const other = registerAppservice(server);
    const user = await createUser(server);
    for (const token of [other.as_token, user.access_token]) {
      const res = await server.post(ping(as.id), {}, { token });
      expect([res.status, res.body.errcode]).toEqual([403, "M_FORBIDDEN"]);
    }
    expect((await server.post(ping(as.id), {})).status).toBe(401);
  });

  test("an appservice without url is 400 M_URL_NOT_SET", async () => {
    const server = createTestServer();
    const as = registerAppservice(server, { url: null });
    const res = await server.post(ping(as.id), {}, { token: as.as_token });
    expect([res.status, res.body.errcode]).toEqual([400, "M_URL_NOT_SET"]);
  });

  test("a bad status is 502 M_BAD_STATUS with the appservice's status and body", async () => {
    const { fake, server, as } = await setup();
    fake.onRequest(() => Response.json({ errcode: "M_FORBIDDEN" }, { status: 403 }));
    const res = await server.post(ping(as.id), { transaction_id: "x" }, { token: as.as_token });
    expect(res.status).toBe(502);
    expect(res.body).toEqual({
      errcode: "M_BAD_STATUS",
      error: "Ping returned status 403",
      status: 403,
      body: '{"errcode":"M_FORBIDDEN"}',
    });
  });

  test("no listener is 502 M_CONNECTION_FAILED; no answer in time is 504 M_CONNECTION_TIMEOUT", async () => {
    const server = createTestServer({ appservices: { request_timeout_ms: 150 } });
    const closed = registerAppservice(server, { url: `http://127.0.0.1:${await freePort()}` });
    const refused = await server.post(ping(closed.id), {}, { token: closed.as_token });
    expect([refused.status, refused.body.errcode]).toEqual([502, "M_CONNECTION_FAILED"]);
    const fake = await startFakeAppservice();
    stops.push(() => fake.stop());
    fake.onRequest(async () => (await Bun.sleep(500), undefined));
    const slow = registerAppservice(server, { url: fake.url, hs_token: fake.hsToken });
    const timedOut = await server.post(ping(slow.id), {}, { token: slow.as_token });
    expect([timedOut.status, timedOut.body.errcode]).toEqual([504, "M_CONNECTION_TIMEOUT"]);
  });

  test("/versions advertises the ping for clients that look for MSC2659", async () => {
    const res = await createTestServer().get("/_matrix/client/versions");
    expect(res.body.unstable_features["fi.mau.msc2659.stable"]).toBe(true);
  });
});
