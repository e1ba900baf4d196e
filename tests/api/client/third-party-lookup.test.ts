import { afterEach, describe, expect, test } from "bun:test";
import { registerAppservice, startFakeAppservice, type FakeAppservice } from "../../support/fake-appservice.ts";
import { createUser } from "../../support/fixtures.ts";
import { createTestServer } from "../../support/server.ts";

const TP = "/_matrix/client/v3/thirdparty";
const stops: (() => unknown)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

/** An appservice bridging `protocol`, answering the lookups with `network` in its results. */
async function bridge(network: string): Promise<FakeAppservice> {
  const fake = await startFakeAppservice();
  stops.push(() => fake.stop());
  fake.onRequest((request, path) => {
    if (path === "/_matrix/app/v1/thirdparty/protocol/irc") {
      return Response.json({
        user_fields: ["network", "nickname"],
        location_fields: ["network", "channel"],
        icon: "mxc://x/irc",
        field_types: {},
        instances: [{ network_id: network, desc: network, fields: {} }],
      });
    }
    const query = new URL(request.url).searchParams;
    if (path === "/_matrix/app/v1/thirdparty/location/irc") {
      return Response.json([
        {
          alias: `#${network}_${query.get("channel")}:test.local`,
          protocol: "irc",
          fields: { network, channel: query.get("channel") },
        },
        { nonsense: true },
      ]);
    }
    if (path === "/_matrix/app/v1/thirdparty/user")
      return Response.json([{ userid: query.get("userid"), protocol: "irc", fields: { network } }]);
    return undefined;
  });
  return fake;
}

describe("third-party lookups", () => {
  test("protocols merge the instances of every appservice providing them", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const [a, b] = [await bridge("libera"), await bridge("oftc")];
    const first = registerAppservice(server, { url: a.url, hs_token: a.hsToken, protocols: ["irc"] });
    const second = registerAppservice(server, { url: b.url, hs_token: b.hsToken, protocols: ["irc"] });
    const res = await server.get(`${TP}/protocols`, { token: user.access_token });
    expect(res.status).toBe(200);
    expect(res.body.irc.user_fields).toEqual(["network", "nickname"]);
    expect(res.body.irc.instances.map((i: any) => i.instance_id).sort()).toEqual(
      [`${first.id}|libera`, `${second.id}|oftc`].sort(),
    );
    const one = await server.get(`${TP}/protocol/irc`, { token: user.access_token });
    expect(one.body.instances).toHaveLength(2);
  });

  test("location and user lookups pass the fields on and keep only valid results", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const fake = await bridge("libera");
    registerAppservice(server, { url: fake.url, hs_token: fake.hsToken, protocols: ["irc"] });
    const locations = await server.get(`${TP}/location/irc?channel=matrix&access_token=${user.access_token}`);
    expect(locations.body).toEqual([
      { alias: "#libera_matrix:test.local", protocol: "irc", fields: { network: "libera", channel: "matrix" } },
    ]);
    // The client's token is not passed on to the appservice.
    expect(fake.requests.at(-1)!.path).toBe("/_matrix/app/v1/thirdparty/location/irc?channel=matrix");
    const users = await server.get(`${TP}/user?userid=${encodeURIComponent("@_irc_bob:test.local")}`, {
      token: user.access_token,
    });
    expect(users.body).toEqual([{ userid: "@_irc_bob:test.local", protocol: "irc", fields: { network: "libera" } }]);
  });

  test("an unknown protocol is 404 M_NOT_FOUND; a failing appservice adds nothing", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const fake = await startFakeAppservice();
    stops.push(() => fake.stop());
    fake.onRequest(() => new Response("boom", { status: 500 }));
    registerAppservice(server, { url: fake.url, hs_token: fake.hsToken, protocols: ["slack"] });
    for (const path of ["protocol/irc", "location/irc", "user/irc"]) {
      const res = await server.get(`${TP}/${path}`, { token: user.access_token });
      expect([res.status, res.body.errcode]).toEqual([404, "M_NOT_FOUND"]);
    }
    expect((await server.get(`${TP}/protocols`, { token: user.access_token })).body).toEqual({});
    expect((await server.get(`${TP}/location/slack?x=1`, { token: user.access_token })).body).toEqual([]);
    expect((await server.get(`${TP}/protocols`)).status).toBe(401);
  });
});
