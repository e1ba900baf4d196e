/**
 * What an application service may do with the users of its namespaces without their
 * passwords: register them (m.login.application_service, no user-interactive auth, no
 * rate limit, even with registration closed), log in as them, and create their devices
 * (MSC4190, spec v1.17).
 * https://spec.matrix.org/v1.19/application-service-api/#server-admin-style-permissions
 */
import { forbidden, MatrixError } from "../../errors.ts";
import { tryParseUserId } from "../../matrix/ids.ts";
import type { Stores } from "../../storage/index.ts";
import type { Accounts } from "../users/accounts.ts";
import type { Devices } from "../users/devices.ts";
import type { AppserviceLoginBody, AppserviceRegisterBody, AppserviceUserActions } from "../users/appservice-logins.ts";
import { passwordLoginUser } from "../users/login-identifier.ts";
import { hashToken, type IssuedTokens, type Sessions } from "../users/sessions.ts";
import type { Appservice } from "./namespaces.ts";
import type { AppserviceRegistry } from "./registry.ts";

export function createAppserviceUsers(deps: {
  stores: Pick<Stores, "transaction">;
  registry: Pick<AppserviceRegistry, "byTokenHash" | "assertUserAllowed">;
  accounts: Accounts;
  devices: Devices;
  sessions: Sessions;
  serverName: string;
}): AppserviceUserActions {
  const { stores, registry, accounts, devices, sessions, serverName } = deps;

  /** m.login.application_service needs the as_token: 401 M_MISSING_TOKEN or M_UNKNOWN_TOKEN otherwise (spec). */
  function appserviceOf(token: string | undefined): Appservice {
    if (token === undefined)
      throw new MatrixError("M_MISSING_TOKEN", "m.login.application_service needs the application service's as_token");
    const appservice = registry.byTokenHash(hashToken(token));
    if (!appservice)
      throw new MatrixError("M_UNKNOWN_TOKEN", "The access token is not an application service's as_token", {
        soft_logout: false,
      });
    return appservice;
  }

  function signIn(
    userId: string,
    login: { deviceId?: string; displayName?: string; refresh: boolean },
  ): { device_id: string } & IssuedTokens {
    const device = devices.ensure(userId, login.deviceId, login.displayName);
    if (device.existed) sessions.revokeDeviceTokens(userId, device.device_id);
    return { device_id: device.device_id, ...sessions.issueTokens(userId, device.device_id, login.refresh) };
  }

  return {
    /** POST /register with type m.login.application_service. */
    register(token: string | undefined, body: AppserviceRegisterBody) {
      const appservice = appserviceOf(token);
      if (body.username === undefined)
        throw new MatrixError("M_MISSING_PARAM", "username is required with m.login.application_service");
      const parsed = body.username.startsWith("@") ? tryParseUserId(body.username) : undefined;
      if (body.username.startsWith("@") && parsed?.serverName !== serverName)
        throw new MatrixError("M_INVALID_USERNAME", `${body.username} is not a user id of this server`);
      const localpart = parsed?.localpart ?? body.username;
      const userId = accounts.userIdOf(localpart);
      registry.assertUserAllowed(userId, { appservice_id: appservice.id });
      accounts.checkNewLocalpart(localpart);
      return stores.transaction(() => {
        accounts.insertUser({
          user_id: userId,
          password_hash: null,
          is_admin: false,
          is_guest: false,
          appservice_id: appservice.id,
        });
        const response = { user_id: userId, home_server: serverName };
        if (body.inhibit_login) return response;
        return {
          ...response,
          ...signIn(userId, {
            deviceId: body.device_id,
            displayName: body.initial_device_display_name,
            refresh: body.refresh_token === true,
          }),
        };
      });
    },

    /** POST /login with type m.login.application_service: a user of the namespaces, without a password. */
    login(token: string | undefined, body: AppserviceLoginBody) {
      const appservice = appserviceOf(token);
      const userId = passwordLoginUser(body, accounts);
      if (userId === undefined) throw forbidden("Invalid login");
      if (!appservice.isInterestedInUser(userId))
        throw new MatrixError("M_EXCLUSIVE", `${userId} is not in the application service's user namespaces`);
      if (!accounts.exists(userId) || accounts.isDeactivated(userId)) throw forbidden("Invalid login");
      const tokens = stores.transaction(() =>
        signIn(userId, {
          deviceId: body.device_id,
          displayName: body.initial_device_display_name,
          refresh: body.refresh_token === true,
        }),
      );
      return { user_id: userId, home_server: serverName, ...tokens };
    },
  };
}

export type AppserviceUsers = ReturnType<typeof createAppserviceUsers>;
