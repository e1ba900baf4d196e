/** The domain services, built from the config and the stores; app.ts hands them to the API. */
import type { Config } from "../config.ts";
import type { Logger } from "../logger.ts";
import type { Stores } from "../storage/index.ts";
import { createAppserviceApi } from "./appservices/appservice-api.ts";
import { createAppserviceUsers } from "./appservices/appservice-users.ts";
import { noRoomEvents, type AppserviceEventSource } from "./appservices/event-source.ts";
import { createIdentityAssertion } from "./appservices/identity-assertion.ts";
import { createAppserviceDelivery } from "./appservices/index.ts";
import { createAppserviceQueries } from "./appservices/queries.ts";
import { createAppserviceRegistrations } from "./appservices/registrations.ts";
import { createAppserviceRegistry } from "./appservices/registry.ts";
import type { Clock } from "./clock.ts";
import { createPasswordConfirmation } from "./e2ee/confirm-password.ts";
import { createCrossSigning } from "./e2ee/cross-signing.ts";
import { createDeviceKeys } from "./e2ee/device-keys.ts";
import { createDeviceLists, type DeviceListListener } from "./e2ee/device-lists.ts";
import { createKeyBackup } from "./e2ee/key-backup.ts";
import { createKeyQuery } from "./e2ee/key-query.ts";
import { createToDevice, type ToDeviceListener } from "./e2ee/to-device.ts";
import { createPushRules } from "./push/push-rules.ts";
import { createRateLimits } from "./rate-limits.ts";
import { createServerIdentity } from "./server-identity.ts";
import { createAccountData } from "./users/account-data.ts";
import { createAccountManagement } from "./users/account-management.ts";
import { createAccounts } from "./users/accounts.ts";
import { createDevices } from "./users/devices.ts";
import { createFilters } from "./users/filters.ts";
import { createLogin } from "./users/login.ts";
import { createOpenId } from "./users/openid.ts";
import { createProfiles } from "./users/profiles.ts";
import { createRegistration } from "./users/registration.ts";
import { createSessions } from "./users/sessions.ts";
import { createUserDirectory } from "./users/user-directory.ts";
import { createUserInteractiveAuth } from "./users/user-interactive-auth.ts";
import { createMatrixRtc } from "./voip/matrix-rtc.ts";
import { createTurnCredentials } from "./voip/turn-credentials.ts";

/** What app.ts hands the services from outside: the room engine's events, once it is wired. */
export interface ServiceHooks {
  appserviceEventSource?: AppserviceEventSource;
}

export function createServices(config: Readonly<Config>, stores: Stores, logger: Logger, clock: Clock, hooks: ServiceHooks = {}) {
  const identity = createServerIdentity(config, stores.serverKeys, clock);
  const rateLimits = createRateLimits(config, clock);
  const sessions = createSessions(stores, clock, config.refreshable_access_token_lifetime);
  const devices = createDevices(stores, sessions.pendingLastSeen, clock);
  const appserviceRegistry = createAppserviceRegistry(stores, config.server_name, logger);
  const appserviceApi = createAppserviceApi({ timeoutMs: config.appservices.request_timeout_ms });
  const appserviceQueries = createAppserviceQueries(appserviceRegistry, appserviceApi);
  sessions.acceptAppserviceTokens(createIdentityAssertion(stores, appserviceRegistry));
  const profiles = createProfiles(stores, config.server_name, appserviceQueries.queryUserExists);
  const accounts = createAccounts(stores, config.server_name, clock, devices, profiles);
  const uia = createUserInteractiveAuth(stores, accounts, rateLimits.login, config, clock);
  const appserviceUsers = createAppserviceUsers({ stores, registry: appserviceRegistry, accounts, devices, sessions, serverName: config.server_name });

  /** Called after commit; the sync engine registers here to wake long-polls. */
  const notifications = { toDevice: [] as ToDeviceListener[], deviceLists: [] as DeviceListListener[] };
  const deviceLists = createDeviceLists(stores, logger, notifications.deviceLists, {
    // Until the rooms engine exists, a user shares a room with nobody but themself.
    usersSharingRoomWith: (userId) => [userId],
    // Until /sync defines its token, a /keys/changes token is the bare device-list position.
    streamPositionOf: (token) => (/^[0-9]{1,15}$/.test(token) ? Number(token) : undefined),
  });
  const deviceKeys = createDeviceKeys(stores, config.server_name, deviceLists);
  const toDevice = createToDevice(stores, config, clock, logger, notifications.toDevice);
  // A deleted device takes its keys and its to-device inbox with it.
  devices.onDevicesDeleted((userId, deviceIds) => {
    for (const deviceId of deviceIds) {
      deviceKeys.deleteDeviceKeys(userId, deviceId);
      toDevice.deleteInbox(userId, deviceId);
    }
  });

  const appserviceDelivery = createAppserviceDelivery({
    config,
    stores,
    registry: appserviceRegistry,
    api: appserviceApi,
    source: hooks.appserviceEventSource ?? noRoomEvents,
    toDevice,
    deviceLists,
    deviceKeys,
    notifications,
    clock,
    logger,
  });

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
    registration: createRegistration({
      config, stores, accounts, devices, sessions, uia,
      registrationLimiter: rateLimits.registration,
      appservices: { registry: appserviceRegistry, users: appserviceUsers },
    }),
    login: createLogin({ config, stores, accounts, devices, sessions, loginLimiter: rateLimits.login, appservices: { registry: appserviceRegistry, users: appserviceUsers } }),
    accountManagement: createAccountManagement(stores, accounts, devices, uia),
    accountData: createAccountData(stores),
    filters: createFilters(stores),
    pushRules: createPushRules(),
    userDirectory: createUserDirectory(stores),
    openId: createOpenId(stores, config.server_name, clock),
    turn: createTurnCredentials(config, clock),
    matrixRtc: createMatrixRtc(config),
    notifications,
    toDevice,
    deviceLists,
    deviceKeys,
    keyQuery: createKeyQuery(stores, config.server_name),
    crossSigning: createCrossSigning(stores, deviceLists, createPasswordConfirmation(accounts)),
    keyBackup: createKeyBackup(stores),
    appservices: {
      ...appserviceDelivery,
      registry: appserviceRegistry,
      registrations: createAppserviceRegistrations(stores, appserviceRegistry, accounts, config.server_name, clock, logger),
      /** For the profile and directory paths: ask the appservices before answering "not found". */
      queryUserExists: appserviceQueries.queryUserExists,
      /** For alias resolution in the rooms engine: ask the appservices before answering 404. */
      queryAliasExists: appserviceQueries.queryAliasExists,
      /** For alias creation in the rooms engine: 400 M_EXCLUSIVE inside another's exclusive alias namespace. */
      assertAliasNotExclusive: appserviceRegistry.assertAliasAllowed,
    },
  };
}

export type Services = ReturnType<typeof createServices>;
