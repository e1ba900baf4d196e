import { describe, expect, test } from "bun:test";
import { memoryStores } from "../support/stores.ts";

const ALICE = "@alice:example.org";
const BOB = "@bob:example.org";

function setup() {
  const stores = memoryStores();
  for (const user_id of [ALICE, BOB]) stores.accounts.insertUser({ user_id, password_hash: null, created_ts: 0 });
  return stores;
}

describe("push_rules store", () => {
  test("rules come back by kind, highest priority first, enabled when inserted", () => {
    const { pushRules } = setup();
    pushRules.insertRule(ALICE, "content", "low", 1, '["notify"]', null, "low");
    pushRules.insertRule(ALICE, "content", "high", 2, "[]", null, "high");
    pushRules.insertRule(ALICE, "override", "o", 1, "[]", "[]", null);
    pushRules.insertRule(BOB, "content", "bobs", 1, "[]", null, "x");
    expect(pushRules.selectRules(ALICE).map((r) => [r.kind, r.rule_id])).toEqual([
      ["content", "high"],
      ["content", "low"],
      ["override", "o"],
    ]);
    expect(pushRules.selectRulesOfKind(ALICE, "content").map((r) => r.rule_id)).toEqual(["high", "low"]);
    expect(pushRules.selectRule(ALICE, "content", "low")).toEqual({
      kind: "content",
      rule_id: "low",
      priority: 1,
      enabled: 1,
      actions: '["notify"]',
      conditions: null,
      pattern: "low",
    });
    expect(pushRules.selectRule(ALICE, "override", "low")).toBeUndefined();
  });

  test("updates keep the rule's place and enabled flag; priority, enabled and actions change separately", () => {
    const { pushRules } = setup();
    pushRules.insertRule(ALICE, "content", "r", 5, "[]", null, "a");
    pushRules.updateEnabled(ALICE, "content", "r", false);
    pushRules.updateRule(ALICE, "content", "r", '["notify"]', null, "b");
    expect(pushRules.selectRule(ALICE, "content", "r")).toMatchObject({
      priority: 5,
      enabled: 0,
      actions: '["notify"]',
      pattern: "b",
    });
    pushRules.updatePriority(ALICE, "content", "r", 9);
    pushRules.updateActions(ALICE, "content", "r", "[]");
    expect(pushRules.selectRule(ALICE, "content", "r")).toMatchObject({ priority: 9, actions: "[]" });
    expect(pushRules.deleteRule(ALICE, "content", "r")).toBe(true);
    expect(pushRules.deleteRule(ALICE, "content", "r")).toBe(false);
  });

  test("changes to server-default rules keep the other field as it was", () => {
    const { pushRules } = setup();
    pushRules.upsertDefaultEnabled(ALICE, "override", ".m.rule.master", true);
    pushRules.upsertDefaultActions(ALICE, "override", ".m.rule.master", '["notify"]');
    pushRules.upsertDefaultActions(ALICE, "underride", ".m.rule.message", "[]");
    expect(pushRules.selectDefaults(ALICE)).toEqual([
      { kind: "override", rule_id: ".m.rule.master", enabled: 1, actions: '["notify"]' },
      { kind: "underride", rule_id: ".m.rule.message", enabled: null, actions: "[]" },
    ]);
    expect(pushRules.selectDefaults(BOB)).toEqual([]);
  });

  test("every change takes a new stream position, one row per user", () => {
    const { pushRules } = setup();
    expect(pushRules.selectStreamPosition(ALICE)).toBe(0);
    expect(pushRules.selectMaxPosition()).toBe(0);
    const first = pushRules.bumpStreamPosition(ALICE);
    const second = pushRules.bumpStreamPosition(BOB);
    const third = pushRules.bumpStreamPosition(ALICE);
    expect(second).toBeGreaterThan(first);
    expect(third).toBeGreaterThan(second);
    expect(pushRules.selectStreamPosition(ALICE)).toBe(third);
    expect(pushRules.selectStreamPosition(BOB)).toBe(second);
    expect(pushRules.selectMaxPosition()).toBe(third);
  });

  test("rules go with their user", () => {
    const stores = setup();
    stores.pushRules.insertRule(ALICE, "content", "r", 1, "[]", null, "a");
    stores.pushRules.upsertDefaultEnabled(ALICE, "override", ".m.rule.master", true);
    stores.pushRules.bumpStreamPosition(ALICE);
    stores.db.query("DELETE FROM users WHERE user_id = ?").run(ALICE);
    expect(stores.pushRules.selectRules(ALICE)).toEqual([]);
    expect(stores.pushRules.selectDefaults(ALICE)).toEqual([]);
    expect(stores.pushRules.selectStreamPosition(ALICE)).toBe(0);
  });
});
