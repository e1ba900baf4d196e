/**
 * Push rules and rulesets as the spec's wire format has them, and the merge of a user's own
 * rules over the server-default rules.
 * https://spec.matrix.org/v1.19/client-server-api/#push-rules
 */
import type { JsonValue } from "../canonical-json.ts";

/** The kinds in the order they are checked. */
export const PUSH_RULE_KINDS = ["override", "content", "room", "sender", "underride"] as const;
export type PushRuleKind = (typeof PUSH_RULE_KINDS)[number];

export interface TweakAction {
  readonly set_tweak: string;
  readonly value?: JsonValue;
}

/** `"notify"`, or a tweak. Historical string actions are stripped before rules are stored. */
export type PushAction = string | TweakAction;

/** A condition as stored: the defined parameters, plus whatever an unknown kind carried. */
export interface PushCondition {
  readonly kind: string;
  readonly key?: string;
  readonly pattern?: string;
  readonly is?: string;
  readonly value?: JsonValue;
  readonly [parameter: string]: JsonValue | undefined;
}

export interface PushRule {
  readonly rule_id: string;
  readonly default: boolean;
  readonly enabled: boolean;
  readonly actions: PushAction[];
  /** override and underride rules only. */
  readonly conditions?: PushCondition[];
  /** content rules only. */
  readonly pattern?: string;
}

export type PushRuleset = { readonly [K in PushRuleKind]: PushRule[] };

/** What a user changed about one server-default rule; absent fields keep the default. */
export interface DefaultRuleOverride {
  readonly enabled?: boolean;
  readonly actions?: PushAction[];
}

export const MASTER_RULE_ID = ".m.rule.master";

/** Server-default rule ids start with a dot; user rules may not. */
export function isServerDefaultRuleId(ruleId: string): boolean {
  return ruleId.startsWith(".");
}

/**
 * The user's effective ruleset: within each kind, the user's rules (most important first)
 * come before the server-default rules, except `.m.rule.master`, which stays above
 * everything. https://spec.matrix.org/v1.19/client-server-api/#predefined-rules
 */
export function mergePushRules(
  defaults: PushRuleset,
  userRules: { readonly [K in PushRuleKind]?: readonly PushRule[] },
  overrides: ReadonlyMap<string, DefaultRuleOverride>,
): PushRuleset {
  const applied = (kind: PushRuleKind) =>
    defaults[kind].map((rule) => {
      const override = overrides.get(overrideKey(kind, rule.rule_id));
      return override
        ? { ...rule, enabled: override.enabled ?? rule.enabled, actions: override.actions ?? rule.actions }
        : rule;
    });
  const merged = (kind: PushRuleKind): PushRule[] => {
    const own = userRules[kind] ?? [];
    const serverDefaults = applied(kind);
    if (kind !== "override") return [...own, ...serverDefaults];
    const master = serverDefaults.filter((rule) => rule.rule_id === MASTER_RULE_ID);
    return [...master, ...own, ...serverDefaults.filter((rule) => rule.rule_id !== MASTER_RULE_ID)];
  };
  return {
    override: merged("override"),
    content: merged("content"),
    room: merged("room"),
    sender: merged("sender"),
    underride: merged("underride"),
  };
}

/** The key under which overrides of server-default rules are looked up. */
export function overrideKey(kind: PushRuleKind, ruleId: string): string {
  return `${kind}\u0000${ruleId}`;
}

export function findPushRule(ruleset: PushRuleset, kind: PushRuleKind, ruleId: string): PushRule | undefined {
  return ruleset[kind].find((rule) => rule.rule_id === ruleId);
}
