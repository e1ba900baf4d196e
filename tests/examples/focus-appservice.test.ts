/** examples/focus-appservice against bunduit: registered, pinged, invited, following a call. */
import { afterEach, describe, expect, test } from "bun:test";
import { createFocusAppservice, focusRegistration } from "../../examples/focus-appservice/focus-appservice.ts";
import { validateRegistration } from "../../src/core/appservices/registration-file.ts";
import { pathId } from "../support/fixtures.ts";
import { createRoom, messages, newUser, setState } from "../support/rooms.ts";
import { createTestServer, freePort, type TestServer } from "../support/server.ts";
import type { TestUser } from "../support/fixtures.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startFocus() {
  const server = createTestServer();
  const port = await freePort();
  const registration = focusRegistration(`http://127.0.0.1:${port}`);
  server.services.appservices.registrations.register(validateRegistration(registration, "focus.yaml"), "focus.yaml");
  const focus = createFocusAppservice({
    registration,
    homeserverUrl: "http://localhost",
    serverName: "test.local",
    // The homeserver runs in this process; the appservice calls it through app.handle.
    fetch: (url, init) => server.app.handle(new Request(url, init)),
  });
  const listener = Bun.serve({ port, hostname: "127.0.0.1", fetch: focus.fetch });
  server.services.appservices.start();
  cleanups.push(
    () => listener.stop(true),
    () => server.services.appservices.stop(),
  );
  return { server, focus };
}

const notices = async (server: TestServer, user: TestUser, roomId: string) =>
  (await messages(server, user, roomId, { dir: "f", limit: "50" })).body.chunk
    .filter((e: any) => e.content.msgtype === "m.notice")
    .map((e: any) => [e.sender, e.content.body]);

async function eventually(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await Bun.sleep(10);
  }
}

describe("examples/focus-appservice", () => {
  test("starts with a successful ping and names its focus user", async () => {
    const { server, focus } = await startFocus();
    await focus.start();
    const profile = await server.get(`/_matrix/client/v3/profile/${pathId("@_focus_bot:test.local")}`);
    expect(profile.body.displayname).toBe("Call focus");
  });

  test("creates focus users on demand when the homeserver asks about them", async () => {
    const { server } = await startFocus();
    const res = await server.get(`/_matrix/client/v3/profile/${pathId("@_focus_sfu1:test.local")}`);
    expect(res.status).toBe(200);
    expect(server.stores.accounts.selectUser("@_focus_sfu1:test.local")?.appservice_id).toBe("focus");
  });

  test("joins when invited and announces as its focus user when a call starts and ends", async () => {
    const { server, focus } = await startFocus();
    const alice = await newUser(server);
    const roomId = await createRoom(server, alice, { invite: ["@_focus_bot:test.local"] });
    await eventually(
      async () => server.stores.memberships.selectMembership(roomId, "@_focus_bot:test.local")?.membership === "join",
    );
    const stateKey = `_${alice.user_id}_${alice.device_id}_m.call`;
    const member = {
      application: "m.call",
      call_id: "",
      scope: "m.room",
      device_id: alice.device_id,
      focus_active: { type: "livekit", focus_selection: "multi_sfu" },
      foci_preferred: [],
    };
    expect((await setState(server, alice, roomId, "org.matrix.msc3401.call.member", stateKey, member)).status).toBe(
      200,
    );
    await eventually(async () => (await notices(server, alice, roomId)).length === 1);
    expect((await setState(server, alice, roomId, "org.matrix.msc3401.call.member", stateKey, {})).status).toBe(200);
    await eventually(async () => (await notices(server, alice, roomId)).length === 2);
    await focus.idle();
    expect(await notices(server, alice, roomId)).toEqual([
      ["@_focus_bot:test.local", "A call started here; @_focus_bot:test.local is following it."],
      ["@_focus_bot:test.local", "The call ended."],
    ]);
  });
});
