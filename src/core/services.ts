/** The domain services, built from the config and the stores; app.ts hands them to the API. */
import type { Config } from "../config.ts";
import type { Logger } from "../logger.ts";
import type { Stores } from "../storage/index.ts";
import type { Clock } from "./clock.ts";
import { createToDevice, type ToDeviceListener } from "./e2ee/to-device.ts";
import { createServerIdentity } from "./server-identity.ts";
import { createAccounts } from "./users/accounts.ts";
import { createSessions } from "./users/sessions.ts";

export function createServices(config: Readonly<Config>, stores: Stores, logger: Logger, clock: Clock) {
  const identity = createServerIdentity(config, stores.serverKeys, clock);
  const accounts = createAccounts(stores, config.server_name, clock);
  /** Called after commit; the sync engine registers here to wake long-polls. */
  const notifications = { toDevice: [] as ToDeviceListener[] };
  return {
    config,
    logger,
    clock,
    identity,
    accounts,
    sessions: createSessions(stores, clock),
    notifications,
    toDevice: createToDevice(stores, config, clock, logger, notifications.toDevice),
  };
}

export type Services = ReturnType<typeof createServices>;
