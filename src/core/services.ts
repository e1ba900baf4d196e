/** The domain services, built from the config and the stores; app.ts hands them to the API. */
import type { Config } from "../config.ts";
import type { Logger } from "../logger.ts";
import type { Stores } from "../storage/index.ts";
import type { Clock } from "./clock.ts";
import type { ProfileLookup } from "./rooms/room-deps.ts";
import { createRoomServices } from "./rooms/index.ts";
import { createServerIdentity } from "./server-identity.ts";
import type { AppendedEvents } from "./timeline/appended-events.ts";
import { createAccounts } from "./users/accounts.ts";
import { createSessions } from "./users/sessions.ts";

/** What app.ts hands the services from outside the core: the event emitter, and profiles until the accounts code provides them. */
export interface ServiceHooks {
  appended: AppendedEvents;
  getProfile: ProfileLookup;
}

export function createServices(config: Readonly<Config>, stores: Stores, logger: Logger, clock: Clock, hooks: ServiceHooks) {
  const identity = createServerIdentity(config, stores.serverKeys, clock);
  const { rooms, timeline, clientEvents } = createRoomServices({ stores, identity, clock, appended: hooks.appended, getProfile: hooks.getProfile });
  return {
    config,
    logger,
    clock,
    identity,
    accounts: createAccounts(stores, config.server_name, clock),
    sessions: createSessions(stores, clock),
    appended: hooks.appended,
    rooms,
    timeline,
    clientEvents,
  };
}

export type Services = ReturnType<typeof createServices>;
