/**
 * The user's push rules, as the global account data event m.push_rules: in an initial sync,
 * and whenever they changed after the token. Runs after the account-data stream, within the
 * same `limit` of the account_data filter. Its head moves with the notifier's onPushRules.
 * https://spec.matrix.org/v1.19/client-server-api/#push-rules
 */
import { EventType } from "../../../matrix/event-types.ts";
import type { PushRules } from "../../push/push-rules.ts";
import type { Head, Stream } from "../stream.ts";
import { limitOf, passesEventFilter } from "../sync-filter.ts";

export function createPushRulesStream(
  pushRules: Pick<PushRules, "changedSince" | "pushRulesAccountData">,
  head: Head,
): Stream {
  return {
    persistent: true,
    latest: head.latest,
    build(ctx, since, to) {
      const filter = ctx.filter.account_data;
      const userId = ctx.viewer.user_id;
      const changed = since === undefined || (since < to && pushRules.changedSince(userId, since));
      const events = ctx.response.account_data.events;
      if (
        changed &&
        passesEventFilter(filter, EventType.PushRules) &&
        events.length < limitOf(filter, Number.MAX_SAFE_INTEGER)
      ) {
        const rules = pushRules.pushRulesAccountData(userId);
        events.push({ type: rules.type, content: rules.content });
      }
      return to;
    },
  };
}
