/**
 * Password login and logout. A failed login never says whether the user exists: the
 * answer and (near enough) the time taken are the same either way.
 * https://spec.matrix.org/v1.19/client-server-api/#legacy-login
 */
import type { Config } from "../../config.ts";
import { forbidden, MatrixError } from "../../errors.ts";
import type { Stores } from "../../storage/index.ts";
import { APPSERVICE_LOGIN, type AppserviceRegistryView, type AppserviceUserActions } from "./appservice-logins.ts";
import type { RateLimiter } from "../rate-limits.ts";
import type { Accounts } from "./accounts.ts";
import type { Devices } from "./devices.ts";
import { passwordLoginUser, type PasswordCredentials } from "./login-identifier.ts";
import type { IssuedTokens, Sessions } from "./sessions.ts";
import type { Requester } from "../requester.ts";

export interface LoginBody extends PasswordCredentials {
  type: string;
  password?: string;
  device_id?: string;
  initial_device_display_name?: string;
  refresh_token?: boolean;
}

export type LoginResponse = IssuedTokens & {
  user_id: string;
  device_id: string;
  home_server: string;
  well_known?: { "m.homeserver": { base_url: string } };
};

interface Dependencies {
  config: Pick<Config, "server_name" | "well_known">;
  stores: Pick<Stores, "transaction">;
  accounts: Accounts;
  devices: Devices;
  sessions: Sessions;
  loginLimiter: RateLimiter;
  appservices: {
    registry: Pick<AppserviceRegistryView, "exclusiveOwnerOfUser">;
    users: Pick<AppserviceUserActions, "login">;
  };
}

const PASSWORD_LOGIN = "m.login.password";

export function createLogin({ config, stores, accounts, devices, sessions, loginLimiter, appservices }: Dependencies) {
  const wellKnown = () => {
    const baseUrl = config.well_known.client;
    return baseUrl ? { well_known: { "m.homeserver": { base_url: baseUrl } } } : {};
  };

  return {
    /** GET /login */
    flows(): { flows: { type: string }[] } {
      return { flows: [{ type: PASSWORD_LOGIN }, { type: APPSERVICE_LOGIN }] };
    },

    /**
     * POST /login with m.login.password, or m.login.application_service with an appservice's
     * as_token as `token`. Users in an appservice's exclusive namespace log in only through
     * their appservice (400 M_EXCLUSIVE).
     */
    async login(body: LoginBody, ip: string | null, token?: string): Promise<LoginResponse> {
      if (body.type === APPSERVICE_LOGIN) return { ...appservices.users.login(token, body), ...wellKnown() };
      if (body.type !== PASSWORD_LOGIN) throw new MatrixError("M_UNKNOWN", `Unknown login type ${body.type}`);
      const userId = passwordLoginUser(body, accounts);
      if (userId !== undefined && appservices.registry.exclusiveOwnerOfUser(userId)) {
        throw new MatrixError(
          "M_EXCLUSIVE",
          `${userId} belongs to an application service and cannot log in with a password`,
        );
      }
      if (typeof body.password !== "string") throw new MatrixError("M_MISSING_PARAM", "Missing password");
      const account = userId ?? JSON.stringify(body.identifier ?? body.user ?? body.address ?? null);
      loginLimiter.take(`ip:${ip ?? "unknown"}`, `user:${account}`);
      // An unknown or unresolvable user still costs a full password verification.
      const valid = await accounts.verifyPassword(userId ?? "@:", body.password);
      if (!valid || userId === undefined) throw forbidden("Invalid username or password");
      const tokens = stores.transaction(() => {
        const device = devices.ensure(userId, body.device_id, body.initial_device_display_name);
        // Logging in again on a known device replaces its tokens (the client lost or spent them).
        if (device.existed) sessions.revokeDeviceTokens(userId, device.device_id);
        return {
          device_id: device.device_id,
          ...sessions.issueTokens(userId, device.device_id, body.refresh_token === true),
        };
      });
      return { user_id: userId, home_server: config.server_name, ...tokens, ...wellKnown() };
    },

    /** POST /logout: the device goes, and its tokens with it. */
    logout(requester: Requester): void {
      devices.delete(requester.user_id, [requester.device_id]);
    },

    /** POST /logout/all */
    logoutAll(requester: Requester): void {
      devices.deleteAll(requester.user_id);
    },
  };
}

export type Login = ReturnType<typeof createLogin>;
