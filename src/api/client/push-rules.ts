/**
 * Push rules. Only reading the server-default rule set for now (push issue: the rest).
 * https://spec.matrix.org/v1.19/client-server-api/#push-rules-api
 */
import { Elysia, t } from "elysia";
import type { Services } from "../../core/services.ts";
import { auth } from "../plugins/auth.ts";
import { CLIENT_V3 } from "../schemas/common.ts";

const tags = ["Push notifications"];

const PushRule = t.Object(
  { rule_id: t.String(), default: t.Boolean(), enabled: t.Boolean(), actions: t.Array(t.Unknown()) },
  { additionalProperties: t.Unknown() },
);
const Ruleset = t.Object({
  content: t.Array(PushRule),
  override: t.Array(PushRule),
  room: t.Array(PushRule),
  sender: t.Array(PushRule),
  underride: t.Array(PushRule),
});

export const pushRuleRoutes = (services: Pick<Services, "sessions" | "pushRules">) =>
  new Elysia()
    .use(auth(services))
    .get(`${CLIENT_V3}/pushrules/`, ({ requester }) => ({ global: services.pushRules.get(requester.user_id) }), {
      auth: "user",
      response: t.Object({ global: Ruleset }),
      detail: { summary: "GET /_matrix/client/v3/pushrules/", description: "All push rulesets of the user (the server-default rules).", tags },
    })
    .get(`${CLIENT_V3}/pushrules/global/`, ({ requester }) => services.pushRules.get(requester.user_id), {
      auth: "user",
      response: Ruleset,
      detail: { summary: "GET /_matrix/client/v3/pushrules/global/", description: "The user's global push ruleset.", tags },
    });
