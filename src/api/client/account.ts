/**
 * The user's own account: whoami, password change, deactivation.
 * https://spec.matrix.org/v1.19/client-server-api/#legacy-account-management
 */
import { Elysia, t } from "elysia";
import type { Services } from "../../core/services.ts";
import { auth } from "../plugins/auth.ts";
import { clientAddress } from "../plugins/client-address.ts";
import { AuthData, CLIENT_V3, Empty } from "../schemas/common.ts";

const tags = ["Account management"];

export const accountRoutes = (services: Pick<Services, "sessions" | "accountManagement">) =>
  new Elysia()
    .use(auth(services))
    .get(
      `${CLIENT_V3}/account/whoami`,
      // An application service acting without ?device_id= has no device ("").
      ({ requester }) => ({
        user_id: requester.user_id,
        ...(requester.device_id ? { device_id: requester.device_id } : {}),
        is_guest: requester.is_guest,
      }),
      {
        auth: "guest",
        response: t.Object({
          user_id: t.String(),
          device_id: t.Optional(t.String()),
          is_guest: t.Optional(t.Boolean()),
        }),
        detail: {
          summary: "GET /_matrix/client/v3/account/whoami",
          description:
            "The user, device and guest status behind the access token (for an as_token: the user and device it acts as).",
          tags: ["Session management"],
        },
      },
    )
    .post(
      `${CLIENT_V3}/account/password`,
      async ({ requester, body, request, server }) => {
        await services.accountManagement.changePassword(
          requester,
          body,
          clientAddress(request, server, services.sessions.ipSource),
        );
        return {};
      },
      {
        auth: "user",
        body: t.Object({
          new_password: t.String(),
          logout_devices: t.Optional(t.Boolean()),
          auth: t.Optional(AuthData),
        }),
        response: Empty,
        detail: {
          summary: "POST /_matrix/client/v3/account/password",
          description:
            "Changes the password after user-interactive auth (m.login.password). logout_devices (default true) logs out every other device.",
          tags,
        },
      },
    )
    .post(
      `${CLIENT_V3}/account/deactivate`,
      ({ requester, body, request, server }) =>
        services.accountManagement.deactivate(
          requester,
          body,
          clientAddress(request, server, services.sessions.ipSource),
        ),
      {
        auth: "user",
        body: t.Object({
          auth: t.Optional(AuthData),
          id_server: t.Optional(t.String()),
          erase: t.Optional(t.Boolean()),
        }),
        response: t.Object({ id_server_unbind_result: t.Union([t.Literal("success"), t.Literal("no-support")]) }),
        detail: {
          summary: "POST /_matrix/client/v3/account/deactivate",
          description:
            "Deactivates the account after user-interactive auth (m.login.password): it can no longer log in, every device and token " +
            "is gone, the profile is cleared; erase also removes account data and filters.",
          tags,
        },
      },
    );
