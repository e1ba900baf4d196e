/**
 * Content the spec's canonical JSON cannot hold, sent to every endpoint that builds signed
 * events from client JSON: floats, numbers out of range and content nested too deep are
 * 400 M_BAD_JSON naming the problem, nothing is stored, and the room carries on.
 * https://spec.matrix.org/v1.19/appendices/#canonical-json
 */
import { afterAll, describe, expect, test } from "bun:test";
import { MAX_JSON_DEPTH } from "../../../src/matrix/canonical-json.ts";
import { createUser } from "../../support/fixtures.ts";
import { createRoom, messages, roomPath, sendMessage, V3 } from "../../support/rooms.ts";
import { createTestServer } from "../../support/server.ts";

const DELAY = "org.matrix.msc4140.delay";

/** Raw JSON text of a number, and what the error must say about it. */
const BAD_NUMBERS = [
  { json: "1e400", says: "out of range" },
  { json: "-1e400", says: "out of range" },
  { json: "1.5", says: "only integers, got 1.5" },
  { json: "9007199254740993", says: "integer out of range" },
  { json: "-9007199254740993", says: "integer out of range" },
];

describe("event content that is not canonical JSON", () => {
  const server = createTestServer();
  afterAll(() => server.close());
  let txn = 0;

  async function setup() {
    const user = await createUser(server);
    const roomId = await createRoom(server, user);
    const raw = (method: string, path: string, json: string) =>
      server.request(method, path, {
        raw: json,
        token: user.access_token,
        headers: { "Content-Type": "application/json" },
      });
    return { user, roomId, raw };
  }

  for (const { json, says } of BAD_NUMBERS) {
    test(`${json} in content is 400 M_BAD_JSON wherever an event is built from it`, async () => {
      const { user, roomId, raw } = await setup();
      // The state event exists already: the no-op check compares canonical JSON too.
      expect((await raw("PUT", roomPath(roomId, "/state/org.example.n/existing"), '{"n":1}')).status).toBe(200);
      const attempts = [
        raw("PUT", roomPath(roomId, `/send/org.example.n/n${++txn}`), `{"n":${json}}`),
        raw("PUT", roomPath(roomId, "/state/org.example.n/new"), `{"n":${json}}`),
        raw("PUT", roomPath(roomId, "/state/org.example.n/existing"), `{"n":${json}}`),
        raw("PUT", roomPath(roomId, `/send/org.example.n/n${++txn}?${DELAY}=60000`), `{"n":${json}}`),
        raw("PUT", roomPath(roomId, `/state/org.example.n/later?${DELAY}=60000`), `{"deep":{"n":[${json}]}}`),
        raw(
          "POST",
          `${V3}/createRoom`,
          `{"initial_state":[{"type":"org.example.n","state_key":"","content":{"n":${json}}}]}`,
        ),
        raw("POST", `${V3}/createRoom`, `{"creation_content":{"n":${json}}}`),
        raw("POST", `${V3}/createRoom`, `{"power_level_content_override":{"users_default":${json}}}`),
      ];
      for (const res of await Promise.all(attempts)) {
        expect(res.status, JSON.stringify(res.body)).toBe(400);
        expect(res.body.errcode).toBe("M_BAD_JSON");
        expect(res.body.error).toContain(says);
      }
      const timeline = await messages(server, user, roomId, { dir: "b", limit: "50" });
      expect(JSON.stringify(timeline.body)).not.toContain('org.example.n","state_key":"new');
      const state = await server.get(roomPath(roomId, "/state/org.example.n/existing"), { token: user.access_token });
      expect(state.body).toEqual({ n: 1 });
      await sendMessage(server, user, roomId, "still here");
    });
  }

  test("-0 is the integer 0 and is accepted", async () => {
    const { user, roomId, raw } = await setup();
    expect((await raw("PUT", roomPath(roomId, "/state/org.example.n/zero"), '{"n":-0}')).status).toBe(200);
    expect(
      (await server.get(roomPath(roomId, "/state/org.example.n/zero"), { token: user.access_token })).body,
    ).toEqual({ n: 0 });
  });

  test("a redaction keeps only its reason: other fields cannot make it fail", async () => {
    const { user, roomId, raw } = await setup();
    const eventId = await sendMessage(server, user, roomId, "oops");
    const res = await raw(
      "PUT",
      roomPath(roomId, `/redact/${encodeURIComponent(eventId)}/r${++txn}`),
      '{"reason":"typo","n":1.5,"big":9007199254740993}',
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  });

  test("content nested 10,000 deep in /send and /state is 400 M_BAD_JSON, and the room carries on", async () => {
    const { user, roomId, raw } = await setup();
    const deep = `${'{"a":'.repeat(10_000)}1${"}".repeat(10_000)}`;
    for (const res of [
      await raw("PUT", roomPath(roomId, `/send/org.example.deep/d${++txn}`), deep),
      await raw("PUT", roomPath(roomId, "/state/org.example.deep/"), deep),
      await raw(
        "PUT",
        roomPath(roomId, "/state/org.example.deep/"),
        `{"a":${"[".repeat(10_000)}${"]".repeat(10_000)}}`,
      ),
    ]) {
      expect(res.status).toBe(400);
      expect(res.body.errcode).toBe("M_BAD_JSON");
    }
    await sendMessage(server, user, roomId, "still here");
  });

  test(`content as deep as the request limit allows is refused by canonical JSON once it sits inside an event`, async () => {
    const { roomId, raw } = await setup();
    // The body may nest MAX_JSON_DEPTH levels; inside the event's "content" that is one level more.
    const atLimit = `${'{"a":'.repeat(MAX_JSON_DEPTH)}1${"}".repeat(MAX_JSON_DEPTH)}`;
    const res = await raw("PUT", roomPath(roomId, `/send/org.example.deep/d${++txn}`), atLimit);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      errcode: "M_BAD_JSON",
      error: expect.stringContaining(`${MAX_JSON_DEPTH} levels`),
    });
    const fits = `${'{"a":'.repeat(MAX_JSON_DEPTH - 1)}1${"}".repeat(MAX_JSON_DEPTH - 1)}`;
    expect((await raw("PUT", roomPath(roomId, `/send/org.example.deep/d${++txn}`), fits)).status).toBe(200);
  });
});
