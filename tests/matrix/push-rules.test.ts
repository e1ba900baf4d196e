import { describe, expect, test } from "bun:test";
import { MatrixError } from "../../src/errors.ts";
import type { Pdu } from "../../src/matrix/pdu.ts";
import { parsePowerLevels } from "../../src/matrix/power-levels.ts";
import { ROOM_VERSIONS } from "../../src/matrix/room-versions.ts";
import {
  conditionHolds,
  evaluatePushRules,
  mergePushRules,
  newPushRule,
  predefinedPushRules,
  pushContextsFor,
  validateActions,
  validateNewRuleId,
  type PushCondition,
  type PushContext,
  type PushEvent,
  type PushRuleset,
} from "../../src/matrix/push-rules.ts";

const ALICE = "@alice:example.org";
const BOB = "@bob:example.org";
const ROOM = "!room:example.org";

const context = (overrides: Partial<PushContext> = {}): PushContext => ({
  userId: ALICE,
  displayName: "Alice",
  memberCount: 5,
  senderPowerLevel: 0,
  notificationPowerLevels: new Map(),
  ...overrides,
});

const message = (content: Record<string, unknown>, extra: Partial<PushEvent> = {}): PushEvent => ({
  type: "m.room.message",
  sender: BOB,
  room_id: ROOM,
  content: { msgtype: "m.text", ...content },
  ...extra,
});

const holds = (condition: PushCondition, event: PushEvent, ctx = context()) => conditionHolds(condition, event, ctx);
const bodyMatch = (pattern: string, body: string) =>
  holds({ kind: "event_match", key: "content.body", pattern }, message({ body }));
const topicMatch = (pattern: string, topic: unknown) =>
  holds(
    { kind: "event_match", key: "content.topic", pattern },
    { type: "m.room.topic", sender: BOB, state_key: "", content: { topic } },
  );

describe("event_match", () => {
  test("matches the whole value, case-insensitively, with * for zero or more and ? for exactly one character (the spec's lunc?* example)", () => {
    expect(topicMatch("lunc?*", "Lunch plans")).toBe(true);
    expect(topicMatch("lunc?*", "LUNCH")).toBe(true);
    expect(topicMatch("lunc?*", " lunch")).toBe(false);
    expect(topicMatch("lunc?*", "lunc")).toBe(false);
    expect(topicMatch("lunc?*", null)).toBe(false);
  });

  test("a missing or non-string property never matches, even with *", () => {
    expect(topicMatch("*", undefined)).toBe(false);
    expect(topicMatch("*", 5)).toBe(false);
    expect(topicMatch("*", ["lunch"])).toBe(false);
    expect(topicMatch("*", { a: "b" })).toBe(false);
    expect(topicMatch("*", "")).toBe(true);
  });

  test("other characters are literal: regex syntax and brackets mean themselves", () => {
    expect(topicMatch("a.c", "abc")).toBe(false);
    expect(topicMatch("a.c", "a.c")).toBe(true);
    expect(topicMatch("[ab]", "a")).toBe(false);
    expect(topicMatch("[ab]", "[AB]")).toBe(true);
    expect(topicMatch("(x|y)+", "(x|y)+")).toBe(true);
  });

  test("? is one code point, so it matches one emoji", () => {
    expect(topicMatch("a?b", "a😀b")).toBe(true);
    expect(topicMatch("a??b", "a😀b")).toBe(false);
  });

  test("* and ? match line breaks", () => {
    expect(topicMatch("a*b", "a\nb")).toBe(true);
    expect(topicMatch("a?b", "a\nb")).toBe(true);
  });

  test("content.body matches any substring that starts and ends at a word boundary (the spec's ex*ple example)", () => {
    expect(bodyMatch("ex*ple", "An example event.")).toBe(true);
    expect(bodyMatch("ex*ple", "exple")).toBe(true);
    expect(bodyMatch("ex*ple", "An exciting triple-whammy")).toBe(true);
    expect(bodyMatch("ex*ple", "An examples event")).toBe(false);
    expect(bodyMatch("ex*ple", "Anexample")).toBe(false);
  });

  test("in content.body, word characters are [A-Za-z0-9_]; anything else is a boundary", () => {
    expect(bodyMatch("cake", "I like cake!")).toBe(true);
    expect(bodyMatch("cake", "I like cakes")).toBe(false);
    expect(bodyMatch("cake", "cupcake")).toBe(false);
    expect(bodyMatch("cake", "cake_time")).toBe(false);
    expect(bodyMatch("cake", "cake2")).toBe(false);
    expect(bodyMatch("cake", "(cake)")).toBe(true);
    expect(bodyMatch("cake", "gâteau-cake-é")).toBe(true);
    expect(bodyMatch("CAKE", "Cake")).toBe(true);
  });

  test("a content.body pattern that starts or ends with a non-word character may touch a word", () => {
    expect(bodyMatch("@room", "hey@room")).toBe(true);
    expect(bodyMatch("@room", "hey @roomy")).toBe(false);
  });

  test("other keys are matched against the whole value, not at word boundaries", () => {
    expect(
      holds({ kind: "event_match", key: "content.msgtype", pattern: "m.notice" }, message({ msgtype: "m.notice" })),
    ).toBe(true);
    expect(
      holds({ kind: "event_match", key: "content.msgtype", pattern: "notice" }, message({ msgtype: "m.notice" })),
    ).toBe(false);
    expect(holds({ kind: "event_match", key: "type", pattern: "m.room.*" }, message({}))).toBe(true);
    expect(holds({ kind: "event_match", key: "sender", pattern: "@BOB:*" }, message({}))).toBe(true);
  });

  test("dotted paths take \\. as a literal dot and \\\\ as a literal backslash; other escapes are literal", () => {
    const event = message({
      "m.relates_to": { rel_type: "m.thread" },
      "m\\foo": "x",
      "a\\x": "y",
      m: { relates_to: { rel_type: "wrong" } },
    });
    expect(holds({ kind: "event_match", key: "content.m\\.relates_to.rel_type", pattern: "m.thread" }, event)).toBe(
      true,
    );
    expect(holds({ kind: "event_match", key: "content.m.relates_to.rel_type", pattern: "wrong" }, event)).toBe(true);
    expect(holds({ kind: "event_match", key: "content.m\\\\foo", pattern: "x" }, event)).toBe(true);
    expect(holds({ kind: "event_match", key: "content.a\\x", pattern: "y" }, event)).toBe(true);
  });

  test("paths do not reach into arrays or inherited properties", () => {
    const event = message({ list: ["a"], obj: {} });
    expect(holds({ kind: "event_match", key: "content.list.0", pattern: "a" }, event)).toBe(false);
    expect(holds({ kind: "event_match", key: "content.obj.constructor.name", pattern: "*" }, event)).toBe(false);
    expect(holds({ kind: "event_match", key: "content.__proto__", pattern: "*" }, event)).toBe(false);
  });

  test("many wildcards against a long body finish quickly (no backtracking regex)", () => {
    const body = "a".repeat(20_000);
    const started = performance.now();
    expect(bodyMatch("a*a*a*a*a*a*a*a*b", body)).toBe(false);
    expect(topicMatch("*a*a*a*a*a*a*a*b", body)).toBe(false);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  test("a condition without key or pattern never matches", () => {
    expect(holds({ kind: "event_match", key: "type" }, message({}))).toBe(false);
    expect(holds({ kind: "event_match", pattern: "*" }, message({}))).toBe(false);
  });
});

describe("event_property_is", () => {
  const federate = (value: unknown) => ({
    type: "m.room.create",
    sender: BOB,
    state_key: "",
    content: { "m.federate": value },
  });
  const is = (value: PushCondition["value"], event: PushEvent) =>
    holds({ kind: "event_property_is", key: "content.m\\.federate", value }, event);

  test("matches exactly, without casting types (the spec's m.federate example)", () => {
    expect(is(true, federate(true))).toBe(true);
    expect(is(true, federate("true"))).toBe(false);
    expect(is(true, federate(1))).toBe(false);
    expect(is(1, federate(1))).toBe(true);
    expect(is(1, federate(true))).toBe(false);
    expect(is(null, federate(null))).toBe(true);
    expect(is(null, federate(undefined))).toBe(false);
    expect(is("Yes", federate("yes"))).toBe(false);
  });

  test("compound values and non-integers never match", () => {
    expect(is(true, federate([true]))).toBe(false);
    expect(is(true, federate({ a: true }))).toBe(false);
    expect(is(1.5, federate(1.5))).toBe(false);
  });
});

describe("event_property_contains", () => {
  const aliases = (list: unknown) => ({
    type: "m.room.canonical_alias",
    sender: BOB,
    state_key: "",
    content: { alt_aliases: list },
  });
  const contains = (value: PushCondition["value"], event: PushEvent) =>
    holds({ kind: "event_property_contains", key: "content.alt_aliases", value }, event);

  test("matches when the array holds the exact value (the spec's alt_aliases example)", () => {
    expect(contains("#myroom:example.com", aliases(["#somewhere:example.org", "#myroom:example.com"]))).toBe(true);
    expect(contains(":example.com", aliases(["#myroom:example.com"]))).toBe(false);
    expect(contains("#MYROOM:example.com", aliases(["#myroom:example.com"]))).toBe(false);
  });

  test("a property that is not an array never matches, and compound items are ignored", () => {
    expect(contains("#myroom:example.com", aliases("#myroom:example.com"))).toBe(false);
    expect(contains(1, aliases([[1], { a: 1 }]))).toBe(false);
    expect(contains(1, aliases([[1], 1]))).toBe(true);
    expect(contains(null, aliases([null]))).toBe(true);
    expect(contains(false, aliases([0, ""]))).toBe(false);
  });
});

describe("contains_display_name", () => {
  const named = (body: unknown, displayName: string | undefined) =>
    holds({ kind: "contains_display_name" }, message({ body }), context({ displayName }));

  test("matches the recipient's display name at word boundaries, case-insensitively", () => {
    expect(named("hi Alice!", "Alice")).toBe(true);
    expect(named("hi alice", "Alice")).toBe(true);
    expect(named("hi Alicea", "Alice")).toBe(false);
    expect(named("Malice", "Alice")).toBe(false);
  });

  test("takes the display name literally, glob and regex characters included", () => {
    expect(named("ping A*e", "A*e")).toBe(true);
    expect(named("ping Alice", "A*e")).toBe(false);
    expect(named("hello Dr. Who?", "Dr. Who?")).toBe(true);
  });

  test("no display name or no string body never matches", () => {
    expect(named("Alice", undefined)).toBe(false);
    expect(named("Alice", "")).toBe(false);
    expect(named(42, "Alice")).toBe(false);
  });
});

describe("room_member_count", () => {
  const count = (is: string, memberCount: number) =>
    holds({ kind: "room_member_count", is }, message({}), context({ memberCount }));

  test("no prefix and == mean equal", () => {
    expect(count("2", 2)).toBe(true);
    expect(count("2", 3)).toBe(false);
    expect(count("==2", 2)).toBe(true);
  });

  test("<, >, <= and >= compare strictly or not", () => {
    expect(count("<3", 2)).toBe(true);
    expect(count("<3", 3)).toBe(false);
    expect(count(">3", 4)).toBe(true);
    expect(count(">3", 3)).toBe(false);
    expect(count("<=3", 3)).toBe(true);
    expect(count("<=3", 4)).toBe(false);
    expect(count(">=3", 3)).toBe(true);
    expect(count(">=3", 2)).toBe(false);
  });

  test("a malformed `is` never matches", () => {
    for (const is of ["", "abc", "=<2", "=2", "2.5", "-1", "> 2"]) expect(count(is, 2)).toBe(false);
  });
});

describe("sender_notification_permission", () => {
  const permitted = (senderPowerLevel: number, levels: [string, number][], key = "room") =>
    holds(
      { kind: "sender_notification_permission", key },
      message({}),
      context({ senderPowerLevel, notificationPowerLevels: new Map(levels) }),
    );

  test("the sender needs the level named under notifications; room defaults to 50", () => {
    expect(permitted(50, [])).toBe(true);
    expect(permitted(49, [])).toBe(false);
    expect(permitted(10, [["room", 10]])).toBe(true);
    expect(permitted(9, [["room", 10]])).toBe(false);
  });

  test("a key with no level and no default never matches", () => {
    expect(permitted(100, [], "custom")).toBe(false);
    expect(permitted(100, [["custom", 100]], "custom")).toBe(true);
  });
});

test("unknown condition kinds never match", () => {
  expect(holds({ kind: "org.example.always" }, message({}))).toBe(false);
});

describe("the server-default rules of v1.19", () => {
  const defaults = predefinedPushRules(ALICE);
  const evaluate = (event: PushEvent, ctx = context(), ruleset: PushRuleset = defaults) =>
    evaluatePushRules(ruleset, event, ctx);

  test("are the spec's rules in the spec's order, without the legacy body rules v1.17 removed", () => {
    expect(defaults.override.map((r) => r.rule_id)).toEqual([
      ".m.rule.master",
      ".m.rule.suppress_notices",
      ".m.rule.invite_for_me",
      ".m.rule.member_event",
      ".m.rule.is_user_mention",
      ".m.rule.is_room_mention",
      ".m.rule.tombstone",
      ".m.rule.reaction",
      ".m.rule.room.server_acl",
      ".m.rule.suppress_edits",
    ]);
    expect(defaults.content).toEqual([]);
    expect(defaults.room).toEqual([]);
    expect(defaults.sender).toEqual([]);
    expect(defaults.underride.map((r) => r.rule_id)).toEqual([
      ".m.rule.call",
      ".m.rule.encrypted_room_one_to_one",
      ".m.rule.room_one_to_one",
      ".m.rule.message",
      ".m.rule.encrypted",
    ]);
    expect([...defaults.override, ...defaults.underride].every((r) => r.default && r.rule_id.startsWith("."))).toBe(
      true,
    );
  });

  test("copy the spec's definitions exactly (.m.rule.is_user_mention, .m.rule.is_room_mention, .m.rule.invite_for_me)", () => {
    expect(defaults.override.find((r) => r.rule_id === ".m.rule.is_user_mention")).toEqual({
      rule_id: ".m.rule.is_user_mention",
      default: true,
      enabled: true,
      conditions: [{ kind: "event_property_contains", key: "content.m\\.mentions.user_ids", value: ALICE }],
      actions: ["notify", { set_tweak: "sound", value: "default" }, { set_tweak: "highlight" }],
    });
    expect(defaults.override.find((r) => r.rule_id === ".m.rule.is_room_mention")).toEqual({
      rule_id: ".m.rule.is_room_mention",
      default: true,
      enabled: true,
      conditions: [
        { kind: "event_property_is", key: "content.m\\.mentions.room", value: true },
        { kind: "sender_notification_permission", key: "room" },
      ],
      actions: ["notify", { set_tweak: "highlight" }],
    });
    expect(defaults.override.find((r) => r.rule_id === ".m.rule.invite_for_me")?.conditions).toEqual([
      { kind: "event_match", key: "type", pattern: "m.room.member" },
      { kind: "event_match", key: "content.membership", pattern: "invite" },
      { kind: "event_match", key: "state_key", pattern: ALICE },
    ]);
  });

  test(".m.rule.master is disabled by default and, when enabled, silences everything", () => {
    expect(evaluate(message({ body: "hi", "m.mentions": { user_ids: [ALICE] } })).rule_id).toBe(
      ".m.rule.is_user_mention",
    );
    const silenced = mergePushRules(defaults, {}, new Map([["override\u0000.m.rule.master", { enabled: true }]]));
    expect(evaluate(message({ body: "hi", "m.mentions": { user_ids: [ALICE] } }), context(), silenced)).toMatchObject({
      rule_id: ".m.rule.master",
      notify: false,
      highlight: false,
      actions: [],
    });
  });

  test(".m.rule.suppress_notices silences m.notice messages", () => {
    expect(evaluate(message({ msgtype: "m.notice", body: "bot says hi" }))).toMatchObject({
      rule_id: ".m.rule.suppress_notices",
      notify: false,
    });
  });

  test(".m.rule.invite_for_me notifies with the default sound for an invite of the recipient only", () => {
    const invite = (target: string): PushEvent => ({
      type: "m.room.member",
      sender: BOB,
      state_key: target,
      content: { membership: "invite" },
    });
    expect(evaluate(invite(ALICE))).toEqual({
      rule_id: ".m.rule.invite_for_me",
      notify: true,
      highlight: false,
      sound: "default",
      actions: ["notify", { set_tweak: "sound", value: "default" }],
      tweaks: { sound: "default" },
    });
    expect(evaluate(invite("@carol:example.org")).rule_id).toBe(".m.rule.member_event");
  });

  test(".m.rule.member_event silences other membership changes", () => {
    expect(
      evaluate({ type: "m.room.member", sender: BOB, state_key: BOB, content: { membership: "join" } }),
    ).toMatchObject({
      rule_id: ".m.rule.member_event",
      notify: false,
    });
  });

  test(".m.rule.is_user_mention highlights with sound when m.mentions names the recipient", () => {
    const result = evaluate(message({ body: "hey", "m.mentions": { user_ids: [ALICE] } }));
    expect(result).toMatchObject({
      rule_id: ".m.rule.is_user_mention",
      notify: true,
      highlight: true,
      sound: "default",
    });
    expect(result.tweaks).toEqual({ sound: "default", highlight: true });
    expect(evaluate(message({ body: "hey", "m.mentions": { user_ids: ["@carol:example.org"] } })).rule_id).toBe(
      ".m.rule.message",
    );
    // The legacy behaviour is gone: the name in the body alone does not highlight.
    expect(evaluate(message({ body: "hey Alice @alice:example.org" })).highlight).toBe(false);
  });

  test(".m.rule.is_room_mention highlights @room only from senders with the room notification level", () => {
    const roomMention = message({ body: "@room", "m.mentions": { room: true } });
    expect(evaluate(roomMention, context({ senderPowerLevel: 50 }))).toMatchObject({
      rule_id: ".m.rule.is_room_mention",
      notify: true,
      highlight: true,
    });
    expect(evaluate(roomMention, context({ senderPowerLevel: 0 })).rule_id).toBe(".m.rule.message");
    expect(
      evaluate(roomMention, context({ senderPowerLevel: 0, notificationPowerLevels: new Map([["room", 0]]) })).rule_id,
    ).toBe(".m.rule.is_room_mention");
    expect(
      evaluate(message({ body: "@room", "m.mentions": { room: "true" } }), context({ senderPowerLevel: 100 })).rule_id,
    ).toBe(".m.rule.message");
  });

  test(".m.rule.tombstone highlights a room upgrade (state events only)", () => {
    const tombstone = {
      type: "m.room.tombstone",
      sender: BOB,
      state_key: "",
      content: { replacement_room: "!new:example.org" },
    };
    expect(evaluate(tombstone)).toMatchObject({ rule_id: ".m.rule.tombstone", notify: true, highlight: true });
    expect(evaluate({ type: "m.room.tombstone", sender: BOB, content: {} }).rule_id).toBeUndefined();
  });

  test(".m.rule.reaction, .m.rule.room.server_acl and .m.rule.suppress_edits silence their events", () => {
    expect(evaluate({ type: "m.reaction", sender: BOB, content: {} })).toMatchObject({
      rule_id: ".m.rule.reaction",
      notify: false,
    });
    expect(evaluate({ type: "m.room.server_acl", sender: BOB, state_key: "", content: {} })).toMatchObject({
      rule_id: ".m.rule.room.server_acl",
      notify: false,
    });
    const edit = message({
      body: "* fixed",
      "m.relates_to": { rel_type: "m.replace", event_id: "$orig" },
      "m.new_content": { body: "fixed" },
    });
    expect(evaluate(edit)).toMatchObject({ rule_id: ".m.rule.suppress_edits", notify: false });
  });

  test(".m.rule.call rings for m.call.invite", () => {
    expect(evaluate({ type: "m.call.invite", sender: BOB, content: { call_id: "1" } })).toMatchObject({
      rule_id: ".m.rule.call",
      notify: true,
      highlight: false,
      sound: "ring",
    });
  });

  test("one-to-one rooms notify with sound, for messages and encrypted events", () => {
    const dm = context({ memberCount: 2 });
    expect(evaluate(message({ body: "hi" }), dm)).toMatchObject({
      rule_id: ".m.rule.room_one_to_one",
      notify: true,
      sound: "default",
    });
    expect(evaluate({ type: "m.room.encrypted", sender: BOB, content: { ciphertext: "x" } }, dm)).toMatchObject({
      rule_id: ".m.rule.encrypted_room_one_to_one",
      notify: true,
      sound: "default",
    });
  });

  test(".m.rule.message and .m.rule.encrypted notify silently in group rooms", () => {
    expect(evaluate(message({ body: "hi" }))).toMatchObject({
      rule_id: ".m.rule.message",
      notify: true,
      highlight: false,
      actions: ["notify"],
    });
    expect(evaluate(message({ body: "hi" })).sound).toBeUndefined();
    expect(evaluate({ type: "m.room.encrypted", sender: BOB, content: {} })).toMatchObject({
      rule_id: ".m.rule.encrypted",
      notify: true,
    });
  });

  test("events no rule matches do not notify", () => {
    expect(evaluate({ type: "m.room.name", sender: BOB, state_key: "", content: { name: "x" } })).toEqual({
      notify: false,
      highlight: false,
      actions: [],
      tweaks: {},
    });
  });
});

describe("evaluation order and user rules", () => {
  const defaults = predefinedPushRules(ALICE);
  const userRule = (rule_id: string, actions: unknown[], extra: object = {}) => ({
    rule_id,
    default: false,
    enabled: true,
    actions: validateActions(actions),
    ...extra,
  });

  test("kinds are checked override, content, room, sender, underride; the first enabled match wins", () => {
    const ruleset = mergePushRules(
      defaults,
      {
        content: [userRule("cake", ["notify", { set_tweak: "sound", value: "cake.wav" }], { pattern: "cake" })],
        room: [userRule(ROOM, [])],
        sender: [userRule(BOB, ["notify", { set_tweak: "highlight" }])],
      },
      new Map(),
    );
    expect(evaluatePushRules(ruleset, message({ body: "cake!" }), context())).toMatchObject({
      rule_id: "cake",
      sound: "cake.wav",
    });
    expect(evaluatePushRules(ruleset, message({ body: "pie" }), context())).toMatchObject({
      rule_id: ROOM,
      notify: false,
    });
    expect(
      evaluatePushRules(ruleset, message({ body: "pie" }, { room_id: "!other:example.org" }), context()),
    ).toMatchObject({
      rule_id: BOB,
      highlight: true,
    });
  });

  test("user override rules come after .m.rule.master but before the other server-default overrides", () => {
    const ruleset = mergePushRules(
      defaults,
      {
        override: [
          userRule("notices", ["notify"], {
            conditions: [{ kind: "event_match", key: "content.msgtype", pattern: "m.notice" }],
          }),
        ],
      },
      new Map(),
    );
    expect(ruleset.override.map((r) => r.rule_id).slice(0, 3)).toEqual([
      ".m.rule.master",
      "notices",
      ".m.rule.suppress_notices",
    ]);
    expect(evaluatePushRules(ruleset, message({ msgtype: "m.notice", body: "x" }), context())).toMatchObject({
      rule_id: "notices",
      notify: true,
    });
  });

  test("disabled rules never match, and overridden actions of server-default rules apply", () => {
    const ruleset = mergePushRules(
      defaults,
      {},
      new Map([
        ["override\u0000.m.rule.suppress_notices", { enabled: false }],
        [
          "underride\u0000.m.rule.message",
          { actions: validateActions(["notify", { set_tweak: "sound", value: "ping" }]) },
        ],
      ]),
    );
    expect(evaluatePushRules(ruleset, message({ msgtype: "m.notice", body: "x" }), context())).toMatchObject({
      rule_id: ".m.rule.message",
      sound: "ping",
    });
  });

  test("historical actions are ignored: [dont_notify] behaves like []", () => {
    const ruleset = mergePushRules(
      defaults,
      { sender: [{ rule_id: BOB, default: false, enabled: true, actions: ["dont_notify", "coalesce"] }] },
      new Map(),
    );
    expect(evaluatePushRules(ruleset, message({ body: "x" }), context())).toMatchObject({
      rule_id: BOB,
      notify: false,
      actions: [],
    });
  });

  test("a highlight tweak with value false does not highlight; tweaks without a value other than highlight are not sent", () => {
    const ruleset = mergePushRules(
      defaults,
      {
        sender: [
          userRule(BOB, ["notify", { set_tweak: "highlight", value: false }, { set_tweak: "org.example.flash" }]),
        ],
      },
      new Map(),
    );
    const result = evaluatePushRules(ruleset, message({ body: "x" }), context());
    expect(result).toMatchObject({ notify: true, highlight: false, tweaks: { highlight: false } });
  });
});

describe("validating user rules", () => {
  const errorOf = (fn: () => unknown): MatrixError => {
    try {
      fn();
    } catch (error) {
      if (error instanceof MatrixError) return error;
      throw error;
    }
    throw new Error("expected a MatrixError");
  };

  test("rule ids starting with a dot, or with slashes, are refused as M_INVALID_PARAM", () => {
    expect(errorOf(() => validateNewRuleId("override", ".m.rule.mine")).errcode).toBe("M_INVALID_PARAM");
    expect(errorOf(() => validateNewRuleId("content", "a/b")).errcode).toBe("M_INVALID_PARAM");
    expect(errorOf(() => validateNewRuleId("content", "a\\b")).errcode).toBe("M_INVALID_PARAM");
    expect(() => validateNewRuleId("content", "cake")).not.toThrow();
  });

  test("room rules are named by a room id, sender rules by a user id", () => {
    expect(errorOf(() => validateNewRuleId("room", "cake")).errcode).toBe("M_INVALID_PARAM");
    expect(errorOf(() => validateNewRuleId("sender", ROOM)).errcode).toBe("M_INVALID_PARAM");
    expect(() => validateNewRuleId("room", ROOM)).not.toThrow();
    expect(() => validateNewRuleId("sender", BOB)).not.toThrow();
  });

  test("unknown actions and malformed tweaks are refused as M_BAD_JSON naming the field", () => {
    const unknown = errorOf(() => validateActions(["notify", "explode"]));
    expect(unknown.errcode).toBe("M_BAD_JSON");
    expect(unknown.message).toContain("actions[1]");
    expect(errorOf(() => validateActions([{ value: 1 }])).message).toContain("actions[0].set_tweak");
    expect(errorOf(() => validateActions([{ set_tweak: "highlight", value: "yes" }])).message).toContain(
      "actions[0].value",
    );
    expect(errorOf(() => validateActions([{ set_tweak: "sound", value: 3 }])).message).toContain("actions[0].value");
    expect(errorOf(() => validateActions([["notify"]])).message).toContain("actions[0]");
  });

  test("historical actions are stripped from stored rules", () => {
    expect(validateActions(["notify", "coalesce", "dont_notify", { set_tweak: "sound", value: "x" }])).toEqual([
      "notify",
      { set_tweak: "sound", value: "x" },
    ]);
  });

  test("content rules need a pattern; override and underride conditions default to none", () => {
    const missing = errorOf(() => newPushRule("content", "cake", { actions: ["notify"] }));
    expect(missing.errcode).toBe("M_MISSING_PARAM");
    expect(missing.message).toContain("pattern");
    expect(newPushRule("override", "all", { actions: ["notify"] })).toEqual({
      rule_id: "all",
      default: false,
      enabled: true,
      actions: ["notify"],
      conditions: [],
    });
    expect(newPushRule("room", ROOM, { actions: [], pattern: "ignored", conditions: [] })).toEqual({
      rule_id: ROOM,
      default: false,
      enabled: true,
      actions: [],
    });
  });

  test("known conditions need their parameters; unknown kinds are kept as given", () => {
    const rule = (conditions: Record<string, unknown>[]) => () =>
      newPushRule("override", "r", { actions: [], conditions });
    expect(errorOf(rule([{ kind: "event_match", key: "type" }])).message).toContain("conditions[0].pattern");
    expect(errorOf(rule([{ kind: "event_match", key: 1, pattern: "x" }])).message).toContain("conditions[0].key");
    expect(errorOf(rule([{ kind: "event_property_is", key: "content.x" }])).message).toContain("conditions[0].value");
    expect(errorOf(rule([{ kind: "event_property_contains", key: "content.x", value: [1] }])).message).toContain(
      "conditions[0].value",
    );
    expect(errorOf(rule([{ kind: "room_member_count", is: "two" }])).message).toContain("conditions[0].is");
    expect(errorOf(rule([{ kind: "sender_notification_permission" }])).message).toContain("conditions[0].key");
    expect(
      newPushRule("override", "r", { actions: [], conditions: [{ kind: "org.example.future", x: 1 }] }).conditions,
    ).toEqual([{ kind: "org.example.future", x: 1 }]);
    expect(
      newPushRule("override", "r", {
        actions: [],
        conditions: [{ kind: "event_property_is", key: "content.x", value: null }],
      }).conditions,
    ).toHaveLength(1);
  });
});

describe("pushContextsFor", () => {
  const createEvent = (sender: string): Pdu => ({
    room_id: ROOM,
    sender,
    type: "m.room.create",
    state_key: "",
    content: { creator: sender },
    origin_server_ts: 0,
    depth: 1,
    prev_events: [],
    auth_events: [],
    hashes: { sha256: "" },
    signatures: {},
  });

  test("gives each recipient their display name, and everyone the sender's level and the room's notification levels", () => {
    const v10 = ROOM_VERSIONS["10"];
    const powerLevels = parsePowerLevels({ users: { [BOB]: 40 }, notifications: { room: 30 } }, v10);
    const contextFor = pushContextsFor(BOB, {
      version: v10,
      createEvent: createEvent(ALICE),
      powerLevels,
      memberCount: 7,
      displayNames: new Map([[ALICE, "Alice"]]),
    });
    expect(contextFor(ALICE)).toEqual({
      userId: ALICE,
      displayName: "Alice",
      memberCount: 7,
      senderPowerLevel: 40,
      notificationPowerLevels: new Map([["room", 30]]),
    });
    expect(contextFor("@carol:example.org").displayName).toBeUndefined();
    expect(
      evaluatePushRules(
        predefinedPushRules(ALICE),
        message({ body: "@room", "m.mentions": { room: true } }),
        contextFor(ALICE),
      ).highlight,
    ).toBe(true);
  });

  test("without power levels the v1–v11 creator has 100 and others 0; in v12 creators outrank everything", () => {
    const none = { powerLevels: undefined, memberCount: 3, displayNames: new Map<string, string>() };
    expect(
      pushContextsFor(ALICE, { ...none, version: ROOM_VERSIONS["10"], createEvent: createEvent(ALICE) })(BOB)
        .senderPowerLevel,
    ).toBe(100);
    expect(
      pushContextsFor(BOB, { ...none, version: ROOM_VERSIONS["10"], createEvent: createEvent(ALICE) })(ALICE)
        .senderPowerLevel,
    ).toBe(0);
    const v12 = ROOM_VERSIONS["12"];
    const levels = parsePowerLevels({ notifications: { room: 1000 } }, v12);
    const contextFor = pushContextsFor(ALICE, {
      ...none,
      powerLevels: levels,
      version: v12,
      createEvent: createEvent(ALICE),
    });
    expect(conditionHolds({ kind: "sender_notification_permission", key: "room" }, message({}), contextFor(BOB))).toBe(
      true,
    );
  });
});
