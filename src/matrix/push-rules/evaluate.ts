/**
 * Evaluating a ruleset against an event for one recipient: the first enabled rule that
 * matches, in kind order, decides the actions.
 * https://spec.matrix.org/v1.19/client-server-api/#push-rules
 */
import type { JsonValue } from "../canonical-json.ts";
import { conditionHolds, type PushContext, type PushEvent } from "./conditions.ts";
import { globMatches } from "./glob.ts";
import { PUSH_RULE_KINDS, type PushAction, type PushRule, type PushRuleKind, type PushRuleset } from "./ruleset.ts";

export interface PushEvaluation {
  notify: boolean;
  highlight: boolean;
  /** The `sound` tweak, when the actions set one. */
  sound?: string;
  /** The matching rule's actions (empty when no rule matched). */
  actions: PushAction[];
  /** Every `set_tweak` of the actions, as the push gateway receives them. */
  tweaks: Record<string, JsonValue>;
  /** The rule that matched, if any. */
  rule_id?: string;
}

/** Older specs had these; they MUST be ignored. https://spec.matrix.org/v1.19/client-server-api/#historical-actions */
export const HISTORICAL_ACTIONS: ReadonlySet<string> = new Set(["dont_notify", "coalesce"]);

function ruleMatches(kind: PushRuleKind, rule: PushRule, event: PushEvent, context: PushContext): boolean {
  switch (kind) {
    case "override":
    case "underride":
      return (rule.conditions ?? []).every((condition) => conditionHolds(condition, event, context));
    case "content": {
      const body = (event.content as Record<string, unknown>).body;
      return typeof rule.pattern === "string" && typeof body === "string" && globMatches(rule.pattern, body, "words");
    }
    case "room":
      return rule.rule_id === event.room_id;
    case "sender":
      return rule.rule_id === event.sender;
  }
}

/** What a list of actions amounts to: `highlight` with no value is true, and absent is false. */
export function interpretActions(actions: readonly PushAction[]): Omit<PushEvaluation, "rule_id"> {
  const kept = actions.filter((action) => typeof action !== "string" || !HISTORICAL_ACTIONS.has(action));
  const tweaks: Record<string, JsonValue> = {};
  for (const action of kept) {
    if (typeof action !== "object") continue;
    if (action.value !== undefined) tweaks[action.set_tweak] = action.value;
    else if (action.set_tweak === "highlight") tweaks.highlight = true;
  }
  const evaluation: Omit<PushEvaluation, "rule_id"> = {
    notify: kept.includes("notify"),
    highlight: tweaks.highlight === true,
    actions: kept,
    tweaks,
  };
  if (typeof tweaks.sound === "string") evaluation.sound = tweaks.sound;
  return evaluation;
}

export function evaluatePushRules(ruleset: PushRuleset, event: PushEvent, context: PushContext): PushEvaluation {
  for (const kind of PUSH_RULE_KINDS) {
    for (const rule of ruleset[kind]) {
      if (rule.enabled && ruleMatches(kind, rule, event, context))
        return { ...interpretActions(rule.actions), rule_id: rule.rule_id };
    }
  }
  return interpretActions([]);
}
