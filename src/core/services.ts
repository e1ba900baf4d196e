/** The domain services, built from the config and the stores; app.ts hands them to the API. */
import type { Config } from "../config.ts";
import type { Logger } from "../logger.ts";
import type { Stores } from "../storage/index.ts";
import type { Clock } from "./clock.ts";
import { createPasswordConfirmation } from "./e2ee/confirm-password.ts";
import { createCrossSigning } from "./e2ee/cross-signing.ts";
import { createDeviceKeys } from "./e2ee/device-keys.ts";
import { createDeviceLists, type DeviceListListener } from "./e2ee/device-lists.ts";
import { createKeyBackup } from "./e2ee/key-backup.ts";
import { createKeyQuery } from "./e2ee/key-query.ts";
import { createToDevice, type ToDeviceListener } from "./e2ee/to-device.ts";
import { createServerIdentity } from "./server-identity.ts";
import { createAccounts } from "./users/accounts.ts";
import { createOpenId } from "./users/openid.ts";
import { createSessions } from "./users/sessions.ts";
import { createMatrixRtc } from "./voip/matrix-rtc.ts";
import { createTurnCredentials } from "./voip/turn-credentials.ts";

export function createServices(config: Readonly<Config>, stores: Stores, logger: Logger, clock: Clock) {
  const identity = createServerIdentity(config, stores.serverKeys, clock);
  const accounts = createAccounts(stores, config.server_name, clock);
  /** Called after commit; the sync engine registers here to wake long-polls. */
  const notifications = { toDevice: [] as ToDeviceListener[], deviceLists: [] as DeviceListListener[] };
  const deviceLists = createDeviceLists(stores, logger, notifications.deviceLists, {
    // Until the rooms engine exists, a user shares a room with nobody but themself.
    usersSharingRoomWith: (userId) => [userId],
    // Until /sync defines its token, a /keys/changes token is the bare device-list position.
    streamPositionOf: (token) => (/^[0-9]{1,15}$/.test(token) ? Number(token) : undefined),
  });
  return {
    config,
    logger,
    clock,
    identity,
    accounts,
    sessions: createSessions(stores, clock),
    openId: createOpenId(stores, config.server_name, clock),
    turn: createTurnCredentials(config, clock),
    matrixRtc: createMatrixRtc(config),
    notifications,
    toDevice: createToDevice(stores, config, clock, logger, notifications.toDevice),
    deviceLists,
    deviceKeys: createDeviceKeys(stores, config.server_name, deviceLists),
    keyQuery: createKeyQuery(stores, config.server_name),
    crossSigning: createCrossSigning(stores, deviceLists, createPasswordConfirmation(accounts)),
    keyBackup: createKeyBackup(stores),
  };
}

export type Services = ReturnType<typeof createServices>;
