/** Opens every store on one database; core services receive the ones they need. */
import type { Database } from "bun:sqlite";
import { createAccessTokenStore } from "./access-tokens.ts";
import { createAccountDataStore } from "./account-data.ts";
import { createAccountStore } from "./accounts.ts";
import { createAppserviceQueueStore } from "./appservice-queue.ts";
import { createAppserviceStore } from "./appservices.ts";
import { createCrossSigningStore } from "./cross-signing.ts";
import { createDeviceKeyStore } from "./device-keys.ts";
import { createDeviceListStore } from "./device-lists.ts";
import { createDeviceStore } from "./devices.ts";
import { createOpenIdTokenStore } from "./openid-tokens.ts";
import { createKeyBackupStore } from "./key-backup.ts";
import { createServerKeyStore } from "./server-keys.ts";
import { createToDeviceStore } from "./to-device.ts";
import { createFilterStore } from "./filters.ts";
import { createProfileStore } from "./profiles.ts";
import { createRefreshTokenStore } from "./refresh-tokens.ts";
import { createUiaSessionStore } from "./uia-sessions.ts";
import { createUserDirectoryStore } from "./user-directory.ts";

export function openStores(db: Database) {
  return {
    db,
    serverKeys: createServerKeyStore(db),
    accounts: createAccountStore(db),
    devices: createDeviceStore(db),
    accessTokens: createAccessTokenStore(db),
    openIdTokens: createOpenIdTokenStore(db),
    toDevice: createToDeviceStore(db),
    deviceKeys: createDeviceKeyStore(db),
    deviceLists: createDeviceListStore(db),
    crossSigning: createCrossSigningStore(db),
    keyBackup: createKeyBackupStore(db),
    refreshTokens: createRefreshTokenStore(db),
    uiaSessions: createUiaSessionStore(db),
    profiles: createProfileStore(db),
    accountData: createAccountDataStore(db),
    filters: createFilterStore(db),
    userDirectory: createUserDirectoryStore(db),
    appservices: createAppserviceStore(db),
    appserviceQueue: createAppserviceQueueStore(db),
    /** Runs `fn` in one transaction: a failed request leaves nothing half-written. */
    transaction: <T>(fn: () => T): T => db.transaction(fn)(),
  };
}

export type Stores = ReturnType<typeof openStores>;
