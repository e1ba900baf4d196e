/** The domain services, built from the config and the stores; app.ts hands them to the API. */
import type { Config } from "../config.ts";
import type { Logger } from "../logger.ts";
import type { Stores } from "../storage/index.ts";
import type { Clock } from "./clock.ts";
import { createServerIdentity } from "./server-identity.ts";
import { createAccounts } from "./users/accounts.ts";
import { createOpenId } from "./users/openid.ts";
import { createSessions } from "./users/sessions.ts";
import { createLiveKitAuthorization, type IsJoinedMember } from "./voip/livekit/authorization.ts";
import type { DelayedEventActions } from "./voip/livekit/leave-delegation.ts";
import { createMatrixRtc } from "./voip/matrix-rtc.ts";
import { createTurnCredentials } from "./voip/turn-credentials.ts";

/** What the MatrixRTC authorization service needs from parts other branches are building; app.ts wires them. */
export interface MatrixRtcDependencies {
  isJoinedMember: IsJoinedMember;
  delayedEvents: DelayedEventActions | undefined;
}

export function createServices(config: Readonly<Config>, stores: Stores, logger: Logger, clock: Clock, rtc: MatrixRtcDependencies) {
  const identity = createServerIdentity(config, stores.serverKeys, clock);
  const openId = createOpenId(stores, config.server_name, clock);
  return {
    config,
    logger,
    clock,
    identity,
    accounts: createAccounts(stores, config.server_name, clock),
    sessions: createSessions(stores, clock),
    openId,
    turn: createTurnCredentials(config, clock),
    matrixRtc: createMatrixRtc(config),
    liveKit: createLiveKitAuthorization({ config, openId, ...rtc, logger, clock }),
  };
}

export type Services = ReturnType<typeof createServices>;
