/** Opens every store on one database; core services receive the ones they need. */
import type { Database } from "bun:sqlite";
import { createAccessTokenStore } from "./access-tokens.ts";
import { createAccountStore } from "./accounts.ts";
import { createDeviceStore } from "./devices.ts";
import { createEventPushActionStore } from "./event-push-actions.ts";
import { createOpenIdTokenStore } from "./openid-tokens.ts";
import { createPushRuleStore } from "./push-rules.ts";
import { createPusherStore } from "./pushers.ts";
import { createServerKeyStore } from "./server-keys.ts";

export function openStores(db: Database) {
  return {
    db,
    serverKeys: createServerKeyStore(db),
    accounts: createAccountStore(db),
    devices: createDeviceStore(db),
    accessTokens: createAccessTokenStore(db),
    openIdTokens: createOpenIdTokenStore(db),
    pushRules: createPushRuleStore(db),
    eventPushActions: createEventPushActionStore(db),
    pushers: createPusherStore(db),
    /** Runs `fn` in one transaction: a failed request leaves nothing half-written. */
    transaction: <T>(fn: () => T): T => db.transaction(fn)(),
  };
}

export type Stores = ReturnType<typeof openStores>;
