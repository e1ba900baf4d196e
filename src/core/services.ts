/** The domain services, built from the config and the stores; app.ts hands them to the API. */
import type { Config } from "../config.ts";
import type { Logger } from "../logger.ts";
import type { Stores } from "../storage/index.ts";
import type { Clock } from "./clock.ts";
import { createGatewaySender } from "./push/gateway-sender.ts";
import { createNotifications, type EventsByStreamPositions } from "./push/notifications.ts";
import { createPushers } from "./push/pushers.ts";
import { createPushRules } from "./push/push-rules.ts";
import { createServerIdentity } from "./server-identity.ts";
import { createAccounts } from "./users/accounts.ts";
import { createOpenId } from "./users/openid.ts";
import { createSessions } from "./users/sessions.ts";
import { createMatrixRtc } from "./voip/matrix-rtc.ts";
import { createTurnCredentials } from "./voip/turn-credentials.ts";

/** What the services need from parts not built yet; app.ts provides them. */
export interface ServiceHooks {
  /** The room engine's event reads, for /notifications. */
  eventsByStreamPositions: EventsByStreamPositions;
}

export function createServices(config: Readonly<Config>, stores: Stores, logger: Logger, clock: Clock, hooks: ServiceHooks) {
  const identity = createServerIdentity(config, stores.serverKeys, clock);
  const pushRules = createPushRules(stores);
  const notifications = createNotifications({ stores, pushRules, clock, eventsByStreamPositions: hooks.eventsByStreamPositions });
  return {
    config,
    logger,
    clock,
    identity,
    accounts: createAccounts(stores, config.server_name, clock),
    sessions: createSessions(stores, clock),
    openId: createOpenId(stores, config.server_name, clock),
    turn: createTurnCredentials(config, clock),
    matrixRtc: createMatrixRtc(config),
    pushRules,
    notifications,
    pushers: createPushers(stores, clock),
    pushGateway: createGatewaySender({ stores, logger, unreadTotal: notifications.unreadTotal }),
  };
}

export type Services = ReturnType<typeof createServices>;
