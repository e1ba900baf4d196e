/**
 * The same hostile bodies sent to every route of the app with a valid token: each answers
 * with success or a Matrix error, never a 5xx, within a bound relative to a trivial request
 * measured here, and the server answers afterwards. A new route with a new path parameter
 * needs a value in PATH_VALUES, so no route is left out silently.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { MAX_JSON_DEPTH } from "../../src/matrix/canonical-json.ts";
import { createUser, type TestUser } from "../support/fixtures.ts";
import { createRoom, sendMessage } from "../support/rooms.ts";
import { createTestServer } from "../support/server.ts";

const KB = 1024;
const server = createTestServer();

/** `levels` arrays inside each other around a flat array of zeros, about `bytes` long in all. */
function nestedAround(levels: number, bytes: number): string {
  const zeros = Math.max(1, Math.floor((bytes - 2 * levels) / 2));
  return `${"[".repeat(levels)}[${"0,".repeat(zeros - 1)}0]${"]".repeat(levels)}`;
}

const COMMON_FIELDS = [
  "search_term",
  "displayname",
  "avatar_url",
  "body",
  "msgtype",
  "reason",
  "name",
  "topic",
  "room_alias_name",
  "type",
  "user",
  "password",
  "device_id",
  "filter",
  "presence",
  "status_msg",
  "pattern",
  "room_id",
  "invite",
];
const encoder = new TextEncoder();

const HOSTILE_BODIES: Record<string, string | Uint8Array> = {
  "arrays nested 240 KB deep": `{"a":${"[".repeat(120 * KB)}${"]".repeat(120 * KB)}}`,
  "objects nested 240 KB deep": `${'{"a":'.repeat(48 * KB)}0${"}".repeat(48 * KB)}`,
  "a top-level array nested 240 KB deep": `${"[".repeat(120 * KB)}${"]".repeat(120 * KB)}`,
  // As deep as the edge allows around 1 MB of values: printed indented by depth (as Elysia's
  // validation messages did) about 200 MB. tests/api/plugins/validation-messages-cost.test.ts measures that.
  "1 MB at the depth limit": `{"a":${nestedAround(MAX_JSON_DEPTH - 2, 1024 * KB)}}`,
  "an object with 20,000 keys": `{${Array.from({ length: 20_000 }, (_, i) => `"k${i}":${i}`).join(",")}}`,
  "long strings in common fields": JSON.stringify(
    Object.fromEntries(COMMON_FIELDS.map((field) => [field, "x".repeat(16 * KB)])),
  ),
  "numbers beyond a double (1e400)": `{"a":1e400,"limit":-1e400,"actions":[1e400],"content":{"n":1e400}}`,
  "floats, -0 and huge integers": `{${["a", "limit", "timeout", "enabled", "version", "users_default", "ts"]
    .map(
      (field, i) =>
        `"${field}":${["-0", "1.5", "123456789012345678901234567890", "-0.5", "9007199254740993", "0.1", "1e300"][i]}`,
    )
    .join(",")},"actions":[1.5],"content":{"n":1.5},"power_level_content_override":{"users_default":1.5}}`,
  "invalid UTF-8": new Uint8Array([
    ...encoder.encode('{"body":"'),
    0xff,
    0xfe,
    0xc3,
    0x28,
    0xed,
    0xa0,
    0x80,
    0xf8,
    ...encoder.encode('","msgtype":"m.text"}'),
  ]),
};

interface Fixture {
  user: TestUser;
  roomId: string;
  eventId: string;
}

let txn = 0;
const PATH_VALUES: Record<string, (f: Fixture) => string> = {
  userId: (f) => f.user.user_id,
  roomId: (f) => f.roomId,
  roomIdOrAlias: (f) => f.roomId,
  eventId: (f) => f.eventId,
  txnId: () => `hostile${++txn}`,
  eventType: () => "org.example.hostile",
  type: () => "org.example.hostile",
  version: () => "1",
  sessionId: () => "hostilesession",
  deviceId: () => "HOSTILEDEVICE",
  keyName: () => "ed25519:auto",
  tag: () => "u.hostile",
  filterId: () => "0",
  kind: () => "override",
  ruleId: () => "hostile",
  serverName: () => "test.local",
  mediaId: () => "hostilemedia",
  fileName: () => "hostile.txt",
  delayId: () => "hostiledelay",
  action: () => "send",
  roomAlias: () => "#hostile:test.local",
  appserviceId: () => "hostile",
  protocol: () => "irc",
  relType: () => "m.annotation",
  receiptType: () => "m.read",
  "*": () => "hostile",
};

function concretePath(path: string, fixture: Fixture): string {
  return path.replace(/:(\w+)|\*/g, (whole, name: string | undefined) => {
    const value = PATH_VALUES[name ?? whole];
    if (!value) throw new Error(`no value for path parameter ${whole} of ${path}: add one to PATH_VALUES`);
    return encodeURIComponent(value(fixture));
  });
}

/** Routes that end the session or the membership go last, so the others run with both. */
const ENDS_SOMETHING = /\/(logout|leave|forget|kick|ban|deactivate|upgrade)(\/|$)/;
const routesWithBodies = server.app.routes
  .filter((route) => ["POST", "PUT", "DELETE", "PATCH"].includes(route.method))
  .sort((a, b) => Number(ENDS_SOMETHING.test(a.path)) - Number(ENDS_SOMETHING.test(b.path)));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function whoami(token: string): Promise<number> {
  const started = performance.now();
  const res = await server.get("/_matrix/client/v3/account/whoami", { token });
  expect(res.status).toBe(200);
  return performance.now() - started;
}

describe("hostile bodies to every route", () => {
  afterAll(() => server.close());
  // Elysia compiles a route on its first request: warm every route with a harmless body first.
  beforeAll(async () => {
    const user = await createUser(server);
    const roomId = await createRoom(server, user);
    const fixture: Fixture = { user, roomId, eventId: await sendMessage(server, user, roomId, "warm") };
    for (const route of routesWithBodies) {
      const raw = "{}";
      await server.request(route.method, concretePath(route.path, fixture), {
        raw,
        token: user.access_token,
        headers: { "Content-Type": "application/json" },
      });
    }
  }, 120_000);

  test("there are routes to test, and every path parameter has a value", async () => {
    expect(routesWithBodies.length).toBeGreaterThan(80);
    const fixture = { user: await createUser(server), roomId: "!r:test.local", eventId: "$e" };
    for (const route of routesWithBodies) expect(concretePath(route.path, fixture)).not.toContain(":");
  });

  for (const [name, body] of Object.entries(HOSTILE_BODIES)) {
    test(`${name}: a Matrix error or success from every route, in time relative to a trivial request`, async () => {
      const user = await createUser(server);
      const roomId = await createRoom(server, user, { preset: "public_chat" });
      const fixture: Fixture = { user, roomId, eventId: await sendMessage(server, user, roomId, "target") };
      const send = async (method: string, path: string, raw: string | Uint8Array) => {
        const started = performance.now();
        const res = await server.request(method, path, {
          raw,
          token: user.access_token,
          headers: { "Content-Type": "application/json" },
        });
        return { res, elapsed: performance.now() - started };
      };
      const trivial: number[] = [];
      for (let i = 0; i < 21; i++) trivial.push(await whoami(user.access_token));
      // Generous: parsing a megabyte is real work, and the machine may be busy (a busy machine
      // slows whoami too: in-process it takes tens of microseconds when idle, so the fixed part
      // dominates then). The stall this guards against took 42 seconds.
      const bound = 1000 * median(trivial) + 1000;

      const failures: string[] = [];
      for (const route of routesWithBodies) {
        const path = concretePath(route.path, fixture);
        const { res, elapsed } = await send(route.method, path, body);
        const where = `${route.method} ${route.path} → ${res.status} ${JSON.stringify(res.body)?.slice(0, 160)}`;
        if (res.status >= 500) failures.push(`5xx: ${where}`);
        else if (res.status >= 400 && typeof res.body?.errcode !== "string" && !Array.isArray(res.body?.flows))
          failures.push(`not a Matrix error: ${where}`);
        if (elapsed > bound) failures.push(`took ${Math.round(elapsed)} ms (bound ${Math.round(bound)} ms): ${where}`);
      }
      expect(failures).toEqual([]);

      // Still answering, with a new session (the body may have been sent to /logout last).
      const fresh = await createUser(server);
      await whoami(fresh.access_token);
      await sendMessage(server, fresh, await createRoom(server, fresh), "after the hostile bodies");
    }, 300_000);
  }
});
