/**
 * bunduit against matrix-appservice, the HTTP side most JavaScript bridges are built on:
 * it checks the hs_token, answers user queries and dedupes transactions by txnId.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { AppService, AppserviceHttpError } from "matrix-appservice";
import {
  appserviceBacklog,
  enqueueEphemeral,
  registerAppservice,
  replaceRegistration,
  startAppserviceDelivery,
  stopAppserviceDelivery,
} from "../../support/fake-appservice.ts";
import { createUser, pathId } from "../../support/fixtures.ts";
import { createRoom, messages, roomPath, sendMessage, V3 } from "../../support/rooms.ts";
import { createTestServer, freePort, type TestServer } from "../../support/server.ts";
import { until } from "../../support/wait.ts";

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A bridge: matrix-appservice on a free port, registered on `server` with the legacy ephemeral flag it reads. */
async function startBridge(server: TestServer) {
  const hsToken = `hs_${crypto.randomUUID()}`;
  const appservice = new AppService({ homeserverToken: hsToken });
  const port = await freePort();
  await appservice.listen(port, "127.0.0.1", 10);
  cleanups.push(() => appservice.close());
  const as = registerAppservice(server, {
    url: `http://127.0.0.1:${port}`,
    hs_token: hsToken,
    "de.sorunome.msc2409.push_ephemeral": true,
  });
  startAppserviceDelivery(server);
  cleanups.push(() => stopAppserviceDelivery(server));
  const ghost = (name: string) => `@_${as.id}_${name}:test.local`;
  return { appservice, as, ghost };
}

describe("bunduit with a matrix-appservice bridge", () => {
  test("a profile lookup of an unknown ghost asks the bridge, which registers it with its as_token", async () => {
    const server = createTestServer();
    const { appservice, as, ghost } = await startBridge(server);
    const queried: string[] = [];
    appservice.onUserQuery = async (userId: string) => {
      queried.push(userId);
      if (!userId.includes("_known"))
        throw new AppserviceHttpError({ errcode: "M_NOT_FOUND", error: "no such remote user" }, 404);
      const localpart = userId.slice(1).split(":")[0];
      const res = await server.post(
        "/_matrix/client/v3/register",
        { type: "m.login.application_service", username: localpart, inhibit_login: true },
        { token: as.as_token },
      );
      expect(res.status).toBe(200);
    };
    const user = await createUser(server);
    const found = await server.get(`/_matrix/client/v3/profile/${pathId(ghost("known"))}`, {
      token: user.access_token,
    });
    expect(found.status).toBe(200);
    expect(found.body).toEqual({ displayname: `_${as.id}_known` });
    const missing = await server.get(`/_matrix/client/v3/profile/${pathId(ghost("stranger"))}`, {
      token: user.access_token,
    });
    expect([missing.status, missing.body.errcode]).toEqual([404, "M_NOT_FOUND"]);
    // Users outside the namespaces are not asked about.
    await server.get(`/_matrix/client/v3/profile/${pathId("@nobody:test.local")}`, { token: user.access_token });
    expect(queried).toEqual([ghost("known"), ghost("stranger")]);
  });

  test("ephemeral data reaches the bridge's event emitter, once per transaction", async () => {
    const server = createTestServer();
    const { appservice, ghost, as } = await startBridge(server);
    await server.post(
      "/_matrix/client/v3/register",
      { type: "m.login.application_service", username: `_${as.id}_p`, inhibit_login: true },
      { token: as.as_token },
    );
    const seen: Record<string, unknown>[] = [];
    appservice.on("ephemeral", (event) => seen.push(event));
    for (const presence of ["online", "unavailable", "offline"]) {
      enqueueEphemeral(server, { type: "m.presence", sender: ghost("p"), content: { presence } });
    }
    const deadline = Date.now() + 5000;
    while (seen.length < 3 && Date.now() < deadline) await Bun.sleep(5);
    expect(seen.map((event) => (event.content as { presence: string }).presence)).toEqual([
      "online",
      "unavailable",
      "offline",
    ]);
  });

  test("the bridge refuses a wrong hs_token, and the homeserver keeps the transaction until it is fixed", async () => {
    const server = createTestServer({ appservices: { retry_min_ms: 20, retry_max_ms: 50 } });
    const { appservice, as, ghost } = await startBridge(server);
    await server.post(
      "/_matrix/client/v3/register",
      { type: "m.login.application_service", username: `_${as.id}_q`, inhibit_login: true },
      { token: as.as_token },
    );
    appservice.setHomeserverToken("rotated-on-the-bridge-side");
    const seen: unknown[] = [];
    appservice.on("ephemeral", (event) => seen.push(event));
    enqueueEphemeral(server, { type: "m.presence", sender: ghost("q"), content: { presence: "online" } });
    await until("the 403 to be recorded", () => appserviceBacklog(server, as.id).last_error !== undefined);
    expect(seen).toEqual([]);
    expect(appserviceBacklog(server, as.id).last_error).toBe("the appservice answered 403");
    // The operator fixes the registration: the queued transaction goes through with the new token.
    replaceRegistration(server, { ...as, hs_token: "rotated-on-the-bridge-side" });
    const deadline = Date.now() + 5000;
    while (seen.length < 1 && Date.now() < deadline) await Bun.sleep(5);
    expect(seen).toHaveLength(1);
  });

  test("a bridge flow: the ghost is invited, the bridge joins it and speaks as it with ?user_id=", async () => {
    const server = createTestServer();
    const { appservice, as, ghost } = await startBridge(server);
    const asGhost = (path: string) => `${path}?user_id=${encodeURIComponent(ghost("remote_bob"))}`;
    await server.post(
      `${V3}/register`,
      { type: "m.login.application_service", username: `_${as.id}_remote_bob`, inhibit_login: true },
      { token: as.as_token },
    );
    const fromMatrix: string[] = [];
    const bridgeWork: Promise<unknown>[] = [];
    appservice.on("type:m.room.member", (event) => {
      const content = event.content as { membership: string };
      if (content.membership !== "invite" || event.state_key !== ghost("remote_bob")) return;
      const roomId = event.room_id as string;
      bridgeWork.push(
        (async () => {
          expect(
            (await server.post(asGhost(`${V3}/join/${encodeURIComponent(roomId)}`), {}, { token: as.as_token })).status,
          ).toBe(200);
          const sent = await server.put(
            asGhost(roomPath(roomId, "/send/m.room.message/remote1")),
            { msgtype: "m.text", body: "hello from IRC" },
            { token: as.as_token },
          );
          expect(sent.status).toBe(200);
        })(),
      );
    });
    appservice.on("type:m.room.message", (event) => {
      if (event.sender !== ghost("remote_bob")) fromMatrix.push((event.content as { body: string }).body);
    });
    const alice = await createUser(server, undefined, null);
    const roomId = await createRoom(server, alice, { invite: [ghost("remote_bob")] });
    const deadline = Date.now() + 5000;
    while (bridgeWork.length === 0 && Date.now() < deadline) await Bun.sleep(5);
    await Promise.all(bridgeWork);
    await sendMessage(server, alice, roomId, "hello IRC");
    while (fromMatrix.length === 0 && Date.now() < deadline) await Bun.sleep(5);
    expect(fromMatrix).toEqual(["hello IRC"]);
    const timeline = await messages(server, alice, roomId, { dir: "b", limit: "10" });
    const bridged = timeline.body.chunk.find(
      (event: any) => event.sender === ghost("remote_bob") && event.type === "m.room.message",
    );
    expect(bridged.content.body).toBe("hello from IRC");
  });
});
