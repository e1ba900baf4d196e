/**
 * The push rules API: reading the user's rules, adding, moving and deleting their own, and
 * enabling, disabling or re-actioning any rule, server-default ones included.
 * https://spec.matrix.org/v1.19/client-server-api/#push-rules-api
 */
import { Elysia, t } from "elysia";
import type { Services } from "../../core/services.ts";
import { PUSH_RULE_KINDS } from "../../matrix/push-rules.ts";
import { auth } from "../plugins/auth.ts";
import { Empty } from "../schemas/common.ts";

const RULES = "/_matrix/client/v3/pushrules";
const tags = ["Push notifications"];

const Action = t.Union([t.String(), t.Object({ set_tweak: t.String() }, { additionalProperties: t.Unknown() })], {
  description: '"notify", or `{ "set_tweak": name, "value": … }`.',
});
const Condition = t.Object(
  {
    kind: t.String({
      description:
        "event_match, event_property_is, event_property_contains, contains_display_name, room_member_count, sender_notification_permission, or an unknown kind (never matches).",
    }),
  },
  { additionalProperties: t.Unknown() },
);
const PushRule = t.Object({
  rule_id: t.String(),
  default: t.Boolean({ description: "Whether this is a server-default rule." }),
  enabled: t.Boolean(),
  actions: t.Array(Action),
  conditions: t.Optional(t.Array(Condition, { description: "override and underride rules." })),
  pattern: t.Optional(
    t.String({ description: "content rules: the glob matched against content.body at word boundaries." }),
  ),
});
const Ruleset = t.Object({
  content: t.Array(PushRule),
  override: t.Array(PushRule),
  room: t.Array(PushRule),
  sender: t.Array(PushRule),
  underride: t.Array(PushRule),
});

const RuleParams = t.Object({
  kind: t.UnionEnum(PUSH_RULE_KINDS, { description: "override, content, room, sender or underride." }),
  ruleId: t.String({ description: "The rule id; for room rules the room id, for sender rules the user id." }),
});
const Placement = t.Object({
  before: t.Optional(
    t.String({ description: "Make the rule the next more important than this user rule of the same kind." }),
  ),
  after: t.Optional(
    t.String({ description: "Make the rule the next less important than this user rule of the same kind." }),
  ),
});
const NewRule = t.Object(
  {
    actions: t.Array(t.Unknown(), {
      description: '"notify" and set_tweak objects; historical actions (dont_notify, coalesce) are dropped.',
    }),
    conditions: t.Optional(
      t.Array(Condition, { description: "override and underride rules; none means the rule always matches." }),
    ),
    pattern: t.Optional(t.String({ description: "Required for content rules." })),
  },
  { additionalProperties: t.Unknown() },
);

const route = (method: string, path: string, description: string) => ({
  auth: "user" as const,
  detail: { summary: `${method} ${RULES}${path}`, description, tags },
});

export const pushRuleRoutes = (services: Pick<Services, "sessions" | "pushRules">) =>
  new Elysia()
    .use(auth(services))
    .get(`${RULES}/`, ({ requester }) => ({ global: services.pushRules.pushRulesFor(requester.user_id) }), {
      ...route("GET", "/", "All push rulesets of the user; `global` is the only one."),
      response: t.Object({ global: Ruleset }),
    })
    .get(`${RULES}/global/`, ({ requester }) => services.pushRules.pushRulesFor(requester.user_id), {
      ...route(
        "GET",
        "/global/",
        "The user's global ruleset: their own rules before the server-default ones, except .m.rule.master, first.",
      ),
      response: Ruleset,
    })
    .get(
      `${RULES}/global/:kind/:ruleId`,
      ({ requester, params }) => services.pushRules.getRule(requester.user_id, params.kind, params.ruleId),
      {
        ...route(
          "GET",
          "/global/{kind}/{ruleId}",
          "One rule. 404 M_NOT_FOUND when the user has no such rule of that kind.",
        ),
        params: RuleParams,
        response: PushRule,
      },
    )
    .put(
      `${RULES}/global/:kind/:ruleId`,
      ({ requester, params, query, body }) => {
        services.pushRules.putRule(requester.user_id, params.kind, params.ruleId, body, query);
        return {};
      },
      {
        ...route(
          "PUT",
          "/global/{kind}/{ruleId}",
          "Creates (enabled, most important of its kind unless before/after say otherwise) or replaces a user rule. " +
            "Ids starting with '.' or containing slashes are refused (M_INVALID_PARAM); a bad rule is 400 naming the field; " +
            "an unknown before/after rule is 400 M_UNKNOWN.",
        ),
        params: RuleParams,
        query: Placement,
        body: NewRule,
        response: Empty,
      },
    )
    .delete(
      `${RULES}/global/:kind/:ruleId`,
      ({ requester, params }) => {
        services.pushRules.deleteRule(requester.user_id, params.kind, params.ruleId);
        return {};
      },
      {
        ...route(
          "DELETE",
          "/global/{kind}/{ruleId}",
          "Deletes a user rule. Server-default rules cannot be deleted (400 M_INVALID_PARAM); unknown rules are 404.",
        ),
        params: RuleParams,
        response: Empty,
      },
    )
    .get(
      `${RULES}/global/:kind/:ruleId/enabled`,
      ({ requester, params }) => services.pushRules.isEnabled(requester.user_id, params.kind, params.ruleId),
      {
        ...route("GET", "/global/{kind}/{ruleId}/enabled", "Whether the rule is enabled."),
        params: RuleParams,
        response: t.Object({ enabled: t.Boolean() }),
      },
    )
    .put(
      `${RULES}/global/:kind/:ruleId/enabled`,
      ({ requester, params, body }) => {
        services.pushRules.setEnabled(requester.user_id, params.kind, params.ruleId, body.enabled);
        return {};
      },
      {
        ...route(
          "PUT",
          "/global/{kind}/{ruleId}/enabled",
          "Enables or disables any rule, server-default ones included.",
        ),
        params: RuleParams,
        body: t.Object({ enabled: t.Boolean() }),
        response: Empty,
      },
    )
    .get(
      `${RULES}/global/:kind/:ruleId/actions`,
      ({ requester, params }) => services.pushRules.getActions(requester.user_id, params.kind, params.ruleId),
      {
        ...route("GET", "/global/{kind}/{ruleId}/actions", "The rule's actions."),
        params: RuleParams,
        response: t.Object({ actions: t.Array(Action) }),
      },
    )
    .put(
      `${RULES}/global/:kind/:ruleId/actions`,
      ({ requester, params, body }) => {
        services.pushRules.setActions(requester.user_id, params.kind, params.ruleId, body.actions);
        return {};
      },
      {
        ...route(
          "PUT",
          "/global/{kind}/{ruleId}/actions",
          "Replaces the actions of any rule, server-default ones included.",
        ),
        params: RuleParams,
        body: t.Object({ actions: t.Array(t.Unknown()) }),
        response: Empty,
      },
    );
