/**
 * Each user's push rules: their own rules merged over the server-default rules, read through
 * a per-user cache that every write invalidates, and the rule-editing API. Every change takes
 * a new stream position; /sync sends the whole ruleset as `m.push_rules` account data to
 * users whose position moved past its token.
 * https://spec.matrix.org/v1.19/client-server-api/#push-rules-api
 */
import { MatrixError, notFound } from "../../errors.ts";
import { EventType } from "../../matrix/event-types.ts";
import {
  findPushRule,
  isServerDefaultRuleId,
  mergePushRules,
  newPushRule,
  overrideKey,
  PUSH_RULE_KINDS,
  predefinedPushRules,
  validateActions,
  validateNewRuleId,
  type DefaultRuleOverride,
  type NewPushRuleBody,
  type PushAction,
  type PushCondition,
  type PushRule,
  type PushRuleKind,
  type PushRuleset,
} from "../../matrix/push-rules.ts";
import type { Stores } from "../../storage/index.ts";
import type { PushRuleRow } from "../../storage/push-rules.ts";
import type { Signal } from "../signal.ts";

/** Where to put a rule: `before` wins when both are given (the spec's rule). */
export interface RulePlacement {
  before?: string;
  after?: string;
}

/** The `m.push_rules` account data event /sync sends. */
export interface PushRulesAccountData {
  type: typeof EventType.PushRules;
  content: { global: PushRuleset };
}

const MAX_CACHED_USERS = 10_000;

function ruleFromRow(row: PushRuleRow): PushRule {
  const rule: PushRule = {
    rule_id: row.rule_id,
    default: false,
    enabled: row.enabled === 1,
    actions: JSON.parse(row.actions) as PushAction[],
  };
  if (row.conditions !== null) return { ...rule, conditions: JSON.parse(row.conditions) as PushCondition[] };
  if (row.pattern !== null) return { ...rule, pattern: row.pattern };
  return rule;
}

function isKind(kind: string): kind is PushRuleKind {
  return (PUSH_RULE_KINDS as readonly string[]).includes(kind);
}

export function createPushRules(
  stores: Pick<Stores, "pushRules" | "transaction">,
  changed: Pick<Signal<{ user_id: string; position: number }>, "emit">,
) {
  const cache = new Map<string, PushRuleset>();

  function load(userId: string): PushRuleset {
    const own: { [K in PushRuleKind]?: PushRule[] } = {};
    for (const row of stores.pushRules.selectRules(userId))
      if (isKind(row.kind)) (own[row.kind] ??= []).push(ruleFromRow(row));
    const overrides = new Map<string, DefaultRuleOverride>();
    for (const row of stores.pushRules.selectDefaults(userId)) {
      if (!isKind(row.kind)) continue;
      const override: { enabled?: boolean; actions?: PushAction[] } = {};
      if (row.enabled !== null) override.enabled = row.enabled === 1;
      if (row.actions !== null) override.actions = JSON.parse(row.actions) as PushAction[];
      overrides.set(overrideKey(row.kind, row.rule_id), override);
    }
    return mergePushRules(predefinedPushRules(userId), own, overrides);
  }

  /** The user's effective ruleset, in evaluation order. */
  function pushRulesFor(userId: string): PushRuleset {
    let ruleset = cache.get(userId);
    if (ruleset === undefined) {
      ruleset = load(userId);
      if (cache.size >= MAX_CACHED_USERS) cache.delete(cache.keys().next().value as string);
      cache.set(userId, ruleset);
    }
    return ruleset;
  }

  function requireRule(userId: string, kind: PushRuleKind, ruleId: string): PushRule {
    const rule = findPushRule(pushRulesFor(userId), kind, ruleId);
    if (!rule) throw notFound("The push rule was not found");
    return rule;
  }

  /** Runs a change and its stream position in one transaction, then signals it (pushRulesChanged). */
  function change(userId: string, write: () => void): void {
    const position = stores.transaction(() => {
      write();
      return stores.pushRules.bumpStreamPosition(userId);
    });
    cache.delete(userId);
    changed.emit({ user_id: userId, position });
  }

  /** The ids of the user's rules of `kind`, most important first, with `ruleId` placed per `placement`. */
  function orderWith(userId: string, kind: PushRuleKind, ruleId: string, placement: RulePlacement): string[] {
    const current = stores.pushRules.selectRulesOfKind(userId, kind).map((row) => row.rule_id);
    const others = current.filter((id) => id !== ruleId);
    const anchor = placement.before ?? placement.after;
    if (anchor === undefined) {
      const index = current.indexOf(ruleId);
      others.splice(index === -1 ? 0 : index, 0, ruleId);
      return others;
    }
    if (anchor === ruleId) throw new MatrixError("M_INVALID_PARAM", "A rule cannot be placed relative to itself");
    if (isServerDefaultRuleId(anchor))
      throw new MatrixError("M_INVALID_PARAM", `Rules cannot be placed relative to a server-default rule: ${anchor}`);
    const index = others.indexOf(anchor);
    if (index === -1) throw new MatrixError("M_UNKNOWN", `before/after rule not found: ${anchor}`);
    others.splice(placement.before !== undefined ? index : index + 1, 0, ruleId);
    return others;
  }

  return {
    pushRulesFor,

    pushRulesAccountData(userId: string): PushRulesAccountData {
      return { type: EventType.PushRules, content: { global: pushRulesFor(userId) } };
    },

    getRule: requireRule,

    /** Creates or replaces a user rule. An existing rule keeps its place unless `before`/`after` move it. */
    putRule(
      userId: string,
      kind: PushRuleKind,
      ruleId: string,
      body: NewPushRuleBody,
      placement: RulePlacement = {},
    ): void {
      validateNewRuleId(kind, ruleId);
      const rule = newPushRule(kind, ruleId, body);
      const actions = JSON.stringify(rule.actions);
      const conditions = rule.conditions ? JSON.stringify(rule.conditions) : null;
      const pattern = rule.pattern ?? null;
      change(userId, () => {
        const order = orderWith(userId, kind, ruleId, placement);
        if (stores.pushRules.selectRule(userId, kind, ruleId))
          stores.pushRules.updateRule(userId, kind, ruleId, actions, conditions, pattern);
        else stores.pushRules.insertRule(userId, kind, ruleId, 0, actions, conditions, pattern);
        order.forEach((id, i) => stores.pushRules.updatePriority(userId, kind, id, order.length - i));
      });
    },

    deleteRule(userId: string, kind: PushRuleKind, ruleId: string): void {
      if (isServerDefaultRuleId(ruleId)) {
        requireRule(userId, kind, ruleId);
        throw new MatrixError("M_INVALID_PARAM", "Server-default push rules cannot be deleted; disable them instead");
      }
      requireRule(userId, kind, ruleId);
      change(userId, () => stores.pushRules.deleteRule(userId, kind, ruleId));
    },

    isEnabled(userId: string, kind: PushRuleKind, ruleId: string): { enabled: boolean } {
      return { enabled: requireRule(userId, kind, ruleId).enabled };
    },

    setEnabled(userId: string, kind: PushRuleKind, ruleId: string, enabled: boolean): void {
      const rule = requireRule(userId, kind, ruleId);
      change(userId, () =>
        rule.default
          ? stores.pushRules.upsertDefaultEnabled(userId, kind, ruleId, enabled)
          : stores.pushRules.updateEnabled(userId, kind, ruleId, enabled),
      );
    },

    getActions(userId: string, kind: PushRuleKind, ruleId: string): { actions: PushAction[] } {
      return { actions: [...requireRule(userId, kind, ruleId).actions] };
    },

    /** Also for server-default rules: the spec's way to change what they do. */
    setActions(userId: string, kind: PushRuleKind, ruleId: string, actions: readonly unknown[]): void {
      const rule = requireRule(userId, kind, ruleId);
      const json = JSON.stringify(validateActions(actions));
      change(userId, () =>
        rule.default
          ? stores.pushRules.upsertDefaultActions(userId, kind, ruleId, json)
          : stores.pushRules.updateActions(userId, kind, ruleId, json),
      );
    },

    /** For /sync: whether the user's rules changed after `position`. */
    changedSince(userId: string, position: number): boolean {
      return stores.pushRules.selectStreamPosition(userId) > position;
    },

    currentPosition(): number {
      return stores.pushRules.selectMaxPosition();
    },
  };
}

export type PushRules = ReturnType<typeof createPushRules>;
