/**
 * https://spec.matrix.org/v1.19/client-server-api/#capabilities-negotiation
 */
import { Elysia, t } from "elysia";
import { capabilities } from "../../core/capabilities.ts";
import type { Services } from "../../core/services.ts";
import { auth } from "../plugins/auth.ts";
import { CLIENT_V3, JsonObject } from "../schemas/common.ts";

export const capabilityRoutes = (services: Pick<Services, "sessions" | "delayedEvents">) =>
  new Elysia()
    .use(auth(services))
    .get(
      `${CLIENT_V3}/capabilities`,
      ({ requester }) => ({ capabilities: { ...capabilities(requester), ...services.delayedEvents.capabilities() } }),
      {
        // Guests may ask too: the answer tells them what they cannot do.
        auth: "guest",
        response: t.Object({ capabilities: JsonObject }),
        detail: {
          summary: "GET /_matrix/client/v3/capabilities",
          description:
            "m.change_password, m.room_versions (1–12 stable, default 12), m.set_displayname, m.set_avatar_url, m.profile_fields; " +
            "m.3pid_changes and m.get_login_token disabled; org.matrix.msc4140.delayed_events (max_delay_ms, max_scheduled) while delayed events are on.",
          tags: ["Capabilities"],
        },
      },
    );
