/**
 * POST /register and its helpers. Registration is open only with allow_registration, as in
 * Conduit; with registration_token set it also needs the token (m.login.registration_token),
 * otherwise the m.login.dummy stage. Guests (kind=guest) need allow_guest_registration and
 * no user-interactive auth; they become full users by registering with their
 * guest_access_token (https://spec.matrix.org/v1.19/client-server-api/#guest-access).
 * https://spec.matrix.org/v1.19/client-server-api/#post_matrixclientv3register
 */
import { randomInt } from "node:crypto";
import type { Config } from "../../config.ts";
import { forbidden, MatrixError } from "../../errors.ts";
import type { Stores } from "../../storage/index.ts";
import { APPSERVICE_LOGIN, type AppserviceRegistryView, type AppserviceUserActions } from "./appservice-logins.ts";
import type { RateLimiter } from "../rate-limits.ts";
import type { Accounts } from "./accounts.ts";
import type { Devices } from "./devices.ts";
import type { IssuedTokens, Sessions } from "./sessions.ts";
import { sameSecret, type AuthData, type Stage, type UserInteractiveAuth } from "./user-interactive-auth.ts";

export interface RegisterBody {
  /** m.login.application_service: an appservice registers a user of its namespaces. */
  type?: string;
  auth?: AuthData;
  /** A guest's access token: the guest becomes a full user (username must be its localpart). */
  guest_access_token?: string;
  username?: string;
  password?: string;
  device_id?: string;
  initial_device_display_name?: string;
  inhibit_login?: boolean;
  refresh_token?: boolean;
}

export type RegisterResponse = { user_id: string; home_server: string } & Partial<IssuedTokens & { device_id: string }>;

interface Dependencies {
  config: Pick<Config, "server_name" | "allow_registration" | "registration_token" | "allow_guest_registration">;
  stores: Pick<Stores, "accounts" | "transaction">;
  accounts: Accounts;
  devices: Devices;
  sessions: Sessions;
  uia: UserInteractiveAuth;
  registrationLimiter: RateLimiter;
  appservices: {
    registry: Pick<AppserviceRegistryView, "assertUserAllowed" | "exclusiveOwnerOfUser">;
    users: Pick<AppserviceUserActions, "register">;
  };
}

/** Twelve characters of [a-z0-9] for users who ask for no particular name, and for guests. */
function generateLocalpart(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from({ length: 12 }, () => alphabet[randomInt(alphabet.length)]).join("");
}

export function createRegistration({
  config,
  stores,
  accounts,
  devices,
  sessions,
  uia,
  registrationLimiter,
  appservices,
}: Dependencies) {
  const flows = (): Stage[][] => [
    [config.registration_token !== undefined ? "m.login.registration_token" : "m.login.dummy"],
  ];

  /** A free localpart outside the appservices' exclusive namespaces (a namespace of ".*" leaves none). */
  function freshLocalpart(): string {
    for (let attempt = 0; attempt < 100; attempt++) {
      const localpart = generateLocalpart();
      const userId = accounts.userIdOf(localpart);
      if (!accounts.exists(userId) && !appservices.registry.exclusiveOwnerOfUser(userId)) return localpart;
    }
    throw new MatrixError("M_EXCLUSIVE", "Every user id is reserved by an application service");
  }

  /** Throws M_INVALID_USERNAME, M_USER_IN_USE or M_EXCLUSIVE unless an ordinary user may register `localpart`. */
  function checkLocalpart(localpart: string): void {
    accounts.checkNewLocalpart(localpart);
    appservices.registry.assertUserAllowed(accounts.userIdOf(localpart));
  }

  /** Creates the user and, unless login is inhibited, its first device and tokens, all in one transaction. */
  async function createAccount(
    localpart: string,
    password: string | null,
    login: { deviceId?: string; displayName?: string; refresh: boolean } | undefined,
    options: { guest?: boolean; uiaSession?: string },
  ): Promise<RegisterResponse> {
    const user = await accounts.prepareUser(localpart, password, { guest: options.guest ?? false });
    return stores.transaction(() => {
      accounts.insertUser(user);
      if (options.uiaSession) uia.complete(options.uiaSession);
      const response = { user_id: user.user_id, home_server: config.server_name };
      if (!login) return response;
      const { device_id } = devices.ensure(user.user_id, login.deviceId, login.displayName);
      return { ...response, device_id, ...sessions.issueTokens(user.user_id, device_id, login.refresh) };
    });
  }

  /** The login part of a registration's response, or undefined with inhibit_login. */
  const loginOf = (body: RegisterBody) =>
    body.inhibit_login
      ? undefined
      : {
          deviceId: body.device_id,
          displayName: body.initial_device_display_name,
          refresh: body.refresh_token === true,
        };

  /**
   * A guest registers: same flows and password as a new account, but the account (its id,
   * rooms, profile, devices) stays; the guest's token becomes a full user's token.
   */
  async function upgradeGuest(
    body: RegisterBody & { guest_access_token: string },
    ip: string | null,
  ): Promise<RegisterResponse> {
    const guest = sessions.authenticate(body.guest_access_token, ip);
    if (!guest.is_guest) throw forbidden("guest_access_token is not a guest's token");
    if (body.username === undefined)
      throw new MatrixError("M_MISSING_PARAM", "Upgrading a guest needs username: the guest's localpart");
    if (accounts.localUserId(body.username) !== guest.user_id)
      throw forbidden("username must be the guest's own localpart");
    const session = await uia.authenticate({
      action: "upgrade_guest",
      flows: flows(),
      userId: guest.user_id,
      auth: body.auth,
      ip,
    });
    if (body.password === undefined) throw new MatrixError("M_MISSING_PARAM", "Missing password");
    registrationLimiter.take(`ip:${ip ?? "unknown"}`);
    const hash = await accounts.hashPassword(body.password);
    const login = loginOf(body);
    return stores.transaction(() => {
      if (stores.accounts.updateGuestToUser(guest.user_id, hash).changes === 0)
        throw forbidden("This account is no longer a guest");
      uia.complete(session);
      // Authentication reads is_guest: tokens cached as a guest's must be read again.
      sessions.forgetUser(guest.user_id);
      const response = { user_id: guest.user_id, home_server: config.server_name };
      if (!login) return response;
      const device = devices.ensure(guest.user_id, login.deviceId, login.displayName);
      if (device.existed) sessions.revokeDeviceTokens(guest.user_id, device.device_id);
      return {
        ...response,
        device_id: device.device_id,
        ...sessions.issueTokens(guest.user_id, device.device_id, login.refresh),
      };
    });
  }

  return {
    flows,

    /** `token` is the request's access token: m.login.application_service needs the appservice's as_token. */
    async register(
      kind: "user" | "guest",
      body: RegisterBody,
      ip: string | null,
      token?: string,
    ): Promise<RegisterResponse> {
      if (body.type === APPSERVICE_LOGIN) return appservices.users.register(token, body);
      // Every request is checked, but only a created account takes a token: a registration
      // needs several requests (the first 401, then each UIA stage).
      const ipKey = `ip:${ip ?? "unknown"}`;
      registrationLimiter.check(ipKey);
      if (kind === "guest") {
        if (!config.allow_guest_registration) throw forbidden("Guest registration is disabled");
        registrationLimiter.take(ipKey);
        // Guests get a server-chosen id and device whatever the body says (spec); only the display name is kept.
        return createAccount(
          freshLocalpart(),
          null,
          { displayName: body.initial_device_display_name, refresh: false },
          { guest: true },
        );
      }
      if (!config.allow_registration) throw forbidden("Registration is disabled");
      if (body.guest_access_token !== undefined)
        return upgradeGuest({ ...body, guest_access_token: body.guest_access_token }, ip);
      // Username problems are reported before user-interactive auth starts, as the spec requires.
      const localpart = body.username === undefined ? undefined : body.username.toLowerCase();
      if (localpart !== undefined) checkLocalpart(localpart);
      const session = await uia.authenticate({ action: "register", flows: flows(), auth: body.auth, ip });
      if (body.password === undefined) throw new MatrixError("M_MISSING_PARAM", "Missing password");
      registrationLimiter.take(ipKey);
      return createAccount(localpart ?? freshLocalpart(), body.password, loginOf(body), { uiaSession: session });
    },

    /** GET /register/available */
    available(username: string): { available: true } {
      checkLocalpart(username.toLowerCase());
      return { available: true };
    },

    /** GET /register/m.login.registration_token/validity */
    tokenValidity(token: string, ip: string | null): { valid: boolean } {
      // Guessing tokens here costs as much as creating accounts.
      registrationLimiter.take(`ip:${ip ?? "unknown"}`);
      if (!config.allow_registration) throw forbidden("Registration is disabled");
      return { valid: config.registration_token !== undefined && sameSecret(token, config.registration_token) };
    },
  };
}

export type Registration = ReturnType<typeof createRegistration>;
