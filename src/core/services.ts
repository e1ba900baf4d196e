/** The domain services, built from the config and the stores; app.ts hands them to the API. */
import type { Config } from "../config.ts";
import type { Logger } from "../logger.ts";
import type { Stores } from "../storage/index.ts";
import type { Clock } from "./clock.ts";
import { createPushRules } from "./push/push-rules.ts";
import { createServerIdentity } from "./server-identity.ts";
import { createAccounts } from "./users/accounts.ts";
import { createOpenId } from "./users/openid.ts";
import { createSessions } from "./users/sessions.ts";
import { createMatrixRtc } from "./voip/matrix-rtc.ts";
import { createTurnCredentials } from "./voip/turn-credentials.ts";

export function createServices(config: Readonly<Config>, stores: Stores, logger: Logger, clock: Clock) {
  const identity = createServerIdentity(config, stores.serverKeys, clock);
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
    pushRules: createPushRules(stores),
  };
}

export type Services = ReturnType<typeof createServices>;
