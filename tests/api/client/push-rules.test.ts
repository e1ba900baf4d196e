import { beforeEach, describe, expect, test } from "bun:test";
import { createApp } from "../../../src/app.ts";
import { createLogger } from "../../../src/logger.ts";
import { createUser, type TestUser } from "../../support/fixtures.ts";
import { createTestServer, type TestServer } from "../../support/server.ts";
import { pushRulesAccountData, pushRulesPosition } from "../../support/streams.ts";

const RULES = "/_matrix/client/v3/pushrules";

let server: TestServer;
let alice: TestUser;
const as = () => ({ token: alice.access_token });
const ids = async (kind: string): Promise<string[]> =>
  (await server.get(`${RULES}/global/`, as())).body[kind].map((r: { rule_id: string }) => r.rule_id);
const putContent = (ruleId: string, query = "", pattern = ruleId) =>
  server.put(`${RULES}/global/content/${ruleId}${query}`, { pattern, actions: ["notify"] }, as());

beforeEach(async () => {
  server = createTestServer();
  alice = await createUser(server);
});

describe("GET /pushrules/", () => {
  test("gives the server-default rules of v1.19 under global, naming the user in theirs", async () => {
    const res = await server.get(`${RULES}/`, as());
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(["global"]);
    const { global } = res.body;
    expect(global.content).toEqual([]);
    expect(global.room).toEqual([]);
    expect(global.sender).toEqual([]);
    expect(global.override[0]).toEqual({
      rule_id: ".m.rule.master",
      default: true,
      enabled: false,
      conditions: [],
      actions: [],
    });
    expect(
      global.override.find((r: { rule_id: string }) => r.rule_id === ".m.rule.invite_for_me").conditions[2],
    ).toEqual({
      kind: "event_match",
      key: "state_key",
      pattern: alice.user_id,
    });
    expect(global.underride.map((r: { rule_id: string }) => r.rule_id)).toEqual([
      ".m.rule.call",
      ".m.rule.encrypted_room_one_to_one",
      ".m.rule.room_one_to_one",
      ".m.rule.message",
      ".m.rule.encrypted",
    ]);
  });

  test("GET /pushrules/global/ is the same ruleset, and the trailing slash is optional", async () => {
    const all = await server.get(`${RULES}/`, as());
    expect((await server.get(`${RULES}/global/`, as())).body).toEqual(all.body.global);
    expect((await server.get(`${RULES}/global`, as())).body).toEqual(all.body.global);
    expect((await server.get(RULES, as())).body).toEqual(all.body);
  });

  test("needs an access token", async () => {
    expect((await server.get(`${RULES}/`)).body.errcode).toBe("M_MISSING_TOKEN");
  });
});

describe("PUT /pushrules/global/{kind}/{ruleId}", () => {
  test("creates an enabled user rule that GET returns", async () => {
    const put = await server.put(
      `${RULES}/global/content/nocake`,
      { pattern: "cake*lie", actions: ["notify", { set_tweak: "sound", value: "cakealarm.wav" }] },
      as(),
    );
    expect(put.status).toBe(200);
    expect(put.body).toEqual({});
    const get = await server.get(`${RULES}/global/content/nocake`, as());
    expect(get.body).toEqual({
      rule_id: "nocake",
      default: false,
      enabled: true,
      pattern: "cake*lie",
      actions: ["notify", { set_tweak: "sound", value: "cakealarm.wav" }],
    });
  });

  test("new rules without before/after become the most important of their kind", async () => {
    await putContent("first");
    await putContent("second");
    await putContent("third");
    expect(await ids("content")).toEqual(["third", "second", "first"]);
  });

  test("before makes the rule the next more important, after the next less important", async () => {
    await putContent("a");
    await putContent("b");
    await putContent("c"); // c, b, a
    await putContent("x", "?before=a");
    expect(await ids("content")).toEqual(["c", "b", "x", "a"]);
    await putContent("y", "?after=c");
    expect(await ids("content")).toEqual(["c", "y", "b", "x", "a"]);
    await putContent("z", "?after=a");
    expect(await ids("content")).toEqual(["c", "y", "b", "x", "a", "z"]);
  });

  test("with both before and after, before decides", async () => {
    await putContent("a");
    await putContent("b"); // b, a
    await putContent("n", "?before=b&after=a");
    expect(await ids("content")).toEqual(["n", "b", "a"]);
  });

  test("updating a rule keeps its place and enabled flag unless before/after move it", async () => {
    await putContent("a");
    await putContent("b");
    await putContent("c"); // c, b, a
    await server.put(`${RULES}/global/content/b/enabled`, { enabled: false }, as());
    await putContent("b", "", "new pattern");
    expect(await ids("content")).toEqual(["c", "b", "a"]);
    expect((await server.get(`${RULES}/global/content/b`, as())).body).toMatchObject({
      pattern: "new pattern",
      enabled: false,
    });
    await putContent("b", "?after=a");
    expect(await ids("content")).toEqual(["c", "a", "b"]);
  });

  test("user override rules are checked after .m.rule.master and before the other server-default overrides", async () => {
    await server.put(
      `${RULES}/global/override/beer`,
      {
        conditions: [
          { kind: "event_match", key: "content.body", pattern: "beer" },
          { kind: "room_member_count", is: "<=10" },
        ],
        actions: ["notify"],
      },
      as(),
    );
    expect((await ids("override")).slice(0, 3)).toEqual([".m.rule.master", "beer", ".m.rule.suppress_notices"]);
    expect((await server.get(`${RULES}/global/override/beer`, as())).body.conditions).toEqual([
      { kind: "event_match", key: "content.body", pattern: "beer" },
      { kind: "room_member_count", is: "<=10" },
    ]);
  });

  test("user underride rules come before the server-default underrides", async () => {
    await server.put(`${RULES}/global/underride/all`, { actions: ["notify"] }, as());
    expect((await ids("underride"))[0]).toBe("all");
    expect((await server.get(`${RULES}/global/underride/all`, as())).body).toEqual({
      rule_id: "all",
      default: false,
      enabled: true,
      conditions: [],
      actions: ["notify"],
    });
  });

  test("room and sender rules take the room or user id (URL-encoded) as their id", async () => {
    const room = encodeURIComponent("!dj234r78wl45Gh4D:matrix.org");
    const sender = encodeURIComponent("@spambot:matrix.org");
    expect((await server.put(`${RULES}/global/room/${room}`, { actions: [] }, as())).status).toBe(200);
    expect((await server.put(`${RULES}/global/sender/${sender}`, { actions: [] }, as())).status).toBe(200);
    expect((await server.get(`${RULES}/global/room/${room}`, as())).body).toEqual({
      rule_id: "!dj234r78wl45Gh4D:matrix.org",
      default: false,
      enabled: true,
      actions: [],
    });
    expect(await ids("sender")).toEqual(["@spambot:matrix.org"]);
    const bad = await server.put(`${RULES}/global/room/not-a-room`, { actions: [] }, as());
    expect(bad.status).toBe(400);
    expect(bad.body.errcode).toBe("M_INVALID_PARAM");
  });

  test("historical actions are dropped from stored rules", async () => {
    await server.put(`${RULES}/global/content/old`, { pattern: "old", actions: ["dont_notify"] }, as());
    expect((await server.get(`${RULES}/global/content/old/actions`, as())).body).toEqual({ actions: [] });
  });

  test("ids starting with a dot are reserved, and slashes are refused, with 400 M_INVALID_PARAM", async () => {
    for (const path of ["override/.m.rule.master", "override/.mine", "content/a%2Fb", "content/a%5Cb"]) {
      const res = await server.put(`${RULES}/global/${path}`, { pattern: "x", actions: [] }, as());
      expect(res.status).toBe(400);
      expect(res.body.errcode).toBe("M_INVALID_PARAM");
    }
    expect((await server.get(`${RULES}/global/override/.m.rule.master`, as())).body.enabled).toBe(false);
  });

  test("before/after naming an unknown rule is 400 M_UNKNOWN (the spec's example); a server-default one is M_INVALID_PARAM", async () => {
    const unknown = await putContent("x", "?before=someRuleId");
    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual({ errcode: "M_UNKNOWN", error: "before/after rule not found: someRuleId" });
    const relative = await server.put(`${RULES}/global/override/x?after=.m.rule.master`, { actions: [] }, as());
    expect(relative.status).toBe(400);
    expect(relative.body.errcode).toBe("M_INVALID_PARAM");
    expect(await ids("content")).toEqual([]);
  });

  test("a bad rule is 400 naming the field", async () => {
    const cases: [string, unknown, string, string][] = [
      ["content/x", { actions: ["notify"] }, "M_MISSING_PARAM", "pattern"],
      ["content/x", { pattern: "x" }, "M_MISSING_PARAM", "actions"],
      ["content/x", { pattern: "x", actions: "notify" }, "M_BAD_JSON", "actions"],
      ["content/x", { pattern: "x", actions: ["notify", "explode"] }, "M_BAD_JSON", "actions[1]"],
      ["content/x", { pattern: "x", actions: [{ value: 1 }] }, "M_BAD_JSON", "actions[0].set_tweak"],
      ["override/x", { actions: [], conditions: [{ key: "type" }] }, "M_MISSING_PARAM", "conditions.0.kind"],
      [
        "override/x",
        { actions: [], conditions: [{ kind: "event_match", key: "type" }] },
        "M_MISSING_PARAM",
        "conditions[0].pattern",
      ],
      [
        "override/x",
        { actions: [], conditions: [{ kind: "room_member_count", is: "lots" }] },
        "M_BAD_JSON",
        "conditions[0].is",
      ],
      [
        "override/x",
        { actions: [], conditions: [{ kind: "event_property_is", key: "content.a", value: { b: 1 } }] },
        "M_BAD_JSON",
        "conditions[0].value",
      ],
    ];
    for (const [path, body, errcode, field] of cases) {
      const res = await server.put(`${RULES}/global/${path}`, body, as());
      expect(res.status).toBe(400);
      expect(res.body.errcode).toBe(errcode);
      expect(res.body.error).toContain(field);
    }
  });

  test("an unknown kind is 400 M_INVALID_PARAM", async () => {
    const res = await server.put(`${RULES}/global/everything/x`, { actions: [] }, as());
    expect(res.status).toBe(400);
    expect(res.body.errcode).toBe("M_INVALID_PARAM");
  });

  test("unknown condition kinds are stored (they never match)", async () => {
    await server.put(
      `${RULES}/global/override/future`,
      { actions: ["notify"], conditions: [{ kind: "org.example.future", x: [1] }] },
      as(),
    );
    expect((await server.get(`${RULES}/global/override/future`, as())).body.conditions).toEqual([
      { kind: "org.example.future", x: [1] },
    ]);
  });

  test("rules are per user", async () => {
    const bob = await createUser(server);
    await putContent("mine");
    expect((await server.get(`${RULES}/global/content/mine`, { token: bob.access_token })).status).toBe(404);
  });
});

describe("GET and DELETE /pushrules/global/{kind}/{ruleId}", () => {
  test("an unknown rule, or a rule under another kind, is 404 M_NOT_FOUND", async () => {
    await putContent("x");
    for (const path of ["content/nope", "override/x", "underride/.m.rule.master"]) {
      const res = await server.get(`${RULES}/global/${path}`, as());
      expect(res.status).toBe(404);
      expect(res.body.errcode).toBe("M_NOT_FOUND");
    }
    expect((await server.delete(`${RULES}/global/content/nope`, as())).status).toBe(404);
  });

  test("deletes a user rule", async () => {
    await putContent("x");
    expect((await server.delete(`${RULES}/global/content/x`, as())).body).toEqual({});
    expect((await server.get(`${RULES}/global/content/x`, as())).status).toBe(404);
    expect(await ids("content")).toEqual([]);
  });

  test("server-default rules cannot be deleted", async () => {
    const res = await server.delete(`${RULES}/global/override/.m.rule.suppress_notices`, as());
    expect(res.status).toBe(400);
    expect(res.body.errcode).toBe("M_INVALID_PARAM");
    expect((await ids("override")).includes(".m.rule.suppress_notices")).toBe(true);
  });
});

describe("…/enabled and …/actions", () => {
  test("a server-default rule can be enabled, disabled and given other actions, and stays default", async () => {
    expect((await server.get(`${RULES}/global/override/.m.rule.master/enabled`, as())).body).toEqual({
      enabled: false,
    });
    expect((await server.put(`${RULES}/global/override/.m.rule.master/enabled`, { enabled: true }, as())).body).toEqual(
      {},
    );
    expect((await server.get(`${RULES}/global/override/.m.rule.master/enabled`, as())).body).toEqual({ enabled: true });

    const actions = ["notify", { set_tweak: "sound", value: "bing" }];
    expect((await server.put(`${RULES}/global/underride/.m.rule.message/actions`, { actions }, as())).status).toBe(200);
    expect((await server.get(`${RULES}/global/underride/.m.rule.message/actions`, as())).body).toEqual({ actions });
    expect((await server.get(`${RULES}/global/underride/.m.rule.message`, as())).body).toMatchObject({
      default: true,
      enabled: true,
      actions,
    });

    // Changing the actions did not touch the enabled flag, and the other way round.
    await server.put(`${RULES}/global/underride/.m.rule.message/enabled`, { enabled: false }, as());
    expect((await server.get(`${RULES}/global/underride/.m.rule.message`, as())).body).toMatchObject({
      enabled: false,
      actions,
    });
  });

  test("user rules can be disabled and re-actioned", async () => {
    await putContent("x");
    await server.put(`${RULES}/global/content/x/enabled`, { enabled: false }, as());
    await server.put(`${RULES}/global/content/x/actions`, { actions: [] }, as());
    expect((await server.get(`${RULES}/global/content/x`, as())).body).toMatchObject({ enabled: false, actions: [] });
  });

  test("unknown rules are 404 and bad bodies 400", async () => {
    expect((await server.get(`${RULES}/global/content/nope/enabled`, as())).status).toBe(404);
    expect((await server.put(`${RULES}/global/content/nope/enabled`, { enabled: true }, as())).status).toBe(404);
    expect((await server.get(`${RULES}/global/content/nope/actions`, as())).status).toBe(404);
    expect((await server.put(`${RULES}/global/content/nope/actions`, { actions: [] }, as())).status).toBe(404);
    const notBoolean = await server.put(`${RULES}/global/override/.m.rule.master/enabled`, { enabled: "yes" }, as());
    expect(notBoolean.status).toBe(400);
    expect(notBoolean.body.errcode).toBe("M_BAD_JSON");
    const badAction = await server.put(`${RULES}/global/override/.m.rule.master/actions`, { actions: ["boom"] }, as());
    expect(badAction.status).toBe(400);
    expect(badAction.body.errcode).toBe("M_BAD_JSON");
  });
});

describe("the m.push_rules stream for /sync", () => {
  test("every change moves the user's position; reads do not", async () => {
    const { pushRules } = server.services;
    const start = pushRules.currentPosition();
    expect(pushRules.changedSince(alice.user_id, start)).toBe(false);
    await putContent("x");
    const afterPut = pushRules.currentPosition();
    expect(afterPut).toBeGreaterThan(start);
    expect(pushRules.changedSince(alice.user_id, start)).toBe(true);
    expect(pushRules.changedSince(alice.user_id, afterPut)).toBe(false);
    await server.get(`${RULES}/`, as());
    expect(pushRules.currentPosition()).toBe(afterPut);
    await server.put(`${RULES}/global/override/.m.rule.master/enabled`, { enabled: true }, as());
    expect(pushRules.changedSince(alice.user_id, afterPut)).toBe(true);
  });

  test("listeners hear of changes after commit, not of failed ones", async () => {
    const heard: [string, number][] = [];
    server.services.signals.pushRulesChanged.subscribe(({ user_id: userId, position }) =>
      heard.push([userId, position]),
    );
    await putContent("x");
    await putContent("y", "?before=missing");
    expect(heard).toEqual([[alice.user_id, pushRulesPosition(server)]]);
  });

  test("the account data event carries the whole ruleset as global", async () => {
    await putContent("x");
    const event = pushRulesAccountData(server, alice.user_id);
    expect(event.type).toBe("m.push_rules");
    expect(event.content).toEqual((await server.get(`${RULES}/`, as())).body);
  });

  test("the rules survive a restart of the server on the same database", async () => {
    await putContent("x");
    await server.put(`${RULES}/global/override/.m.rule.master/enabled`, { enabled: true }, as());
    const before = (await server.get(`${RULES}/`, as())).body;
    const again = createApp({ config: server.config, db: server.db, logger: createLogger("error") });
    expect(again.services.pushRules.pushRulesAccountData(alice.user_id).content).toEqual(before);
  });
});
