/**
 * Push rules, pure: the spec's server-default rules, the merge of a user's rules over them,
 * evaluation against an event for one recipient, and the checks on rules users send.
 * https://spec.matrix.org/v1.19/client-server-api/#push-rules
 */
export { predefinedPushRules } from "./push-rules/predefined-rules.ts";
export {
  findPushRule,
  isServerDefaultRuleId,
  MASTER_RULE_ID,
  mergePushRules,
  overrideKey,
  PUSH_RULE_KINDS,
  type DefaultRuleOverride,
  type PushAction,
  type PushCondition,
  type PushRule,
  type PushRuleKind,
  type PushRuleset,
  type TweakAction,
} from "./push-rules/ruleset.ts";
export { conditionHolds, type PushContext, type PushEvent } from "./push-rules/conditions.ts";
export { pushContextsFor, type RoomPushState } from "./push-rules/room-context.ts";
export { evaluatePushRules, interpretActions, type PushEvaluation } from "./push-rules/evaluate.ts";
export { newPushRule, validateActions, validateNewRuleId, type NewPushRuleBody } from "./push-rules/validate.ts";
