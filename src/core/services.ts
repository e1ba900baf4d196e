/** The domain services, built from the config and the stores; app.ts hands them to the API. */
import type { Config } from "../config.ts";
import type { Logger } from "../logger.ts";
import type { Stores } from "../storage/index.ts";
import type { Clock } from "./clock.ts";
import { createPushRules } from "./push/push-rules.ts";
import { createRateLimits } from "./rate-limits.ts";
import { createServerIdentity } from "./server-identity.ts";
import { createAccountData } from "./users/account-data.ts";
import { createAccountManagement } from "./users/account-management.ts";
import { createAccounts } from "./users/accounts.ts";
import { createDevices } from "./users/devices.ts";
import { createFilters } from "./users/filters.ts";
import { createLogin } from "./users/login.ts";
import { createProfiles } from "./users/profiles.ts";
import { createRegistration } from "./users/registration.ts";
import { createSessions } from "./users/sessions.ts";
import { createUserDirectory } from "./users/user-directory.ts";
import { createUserInteractiveAuth } from "./users/user-interactive-auth.ts";

export function createServices(config: Readonly<Config>, stores: Stores, logger: Logger, clock: Clock) {
  const identity = createServerIdentity(config, stores.serverKeys, clock);
  const rateLimits = createRateLimits(config, clock);
  const sessions = createSessions(stores, clock, config.refreshable_access_token_lifetime);
  const devices = createDevices(stores, sessions.pendingLastSeen, clock);
  const profiles = createProfiles(stores, config.server_name);
  const accounts = createAccounts(stores, config.server_name, clock, devices, profiles);
  const uia = createUserInteractiveAuth(stores, accounts, rateLimits.login, config, clock);
  return {
    config,
    logger,
    clock,
    identity,
    rateLimits,
    sessions,
    devices,
    profiles,
    accounts,
    uia,
    registration: createRegistration({ config, stores, accounts, devices, sessions, uia, registrationLimiter: rateLimits.registration }),
    login: createLogin({ config, stores, accounts, devices, sessions, loginLimiter: rateLimits.login }),
    accountManagement: createAccountManagement(stores, accounts, devices, uia),
    accountData: createAccountData(stores),
    filters: createFilters(stores),
    pushRules: createPushRules(),
    userDirectory: createUserDirectory(stores),
  };
}

export type Services = ReturnType<typeof createServices>;
