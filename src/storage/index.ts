/** Opens every store on one database; core services receive the ones they need. */
import type { Database } from "bun:sqlite";
import { createAccessTokenStore } from "./access-tokens.ts";
import { createAccountStore } from "./accounts.ts";
import { createCrossSigningStore } from "./cross-signing.ts";
import { createDeviceKeyStore } from "./device-keys.ts";
import { createDeviceListStore } from "./device-lists.ts";
import { createDeviceStore } from "./devices.ts";
import { createOpenIdTokenStore } from "./openid-tokens.ts";
import { createKeyBackupStore } from "./key-backup.ts";
import { createServerKeyStore } from "./server-keys.ts";
import { createToDeviceStore } from "./to-device.ts";

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
    /** Runs `fn` in one transaction: a failed request leaves nothing half-written. */
    transaction: <T>(fn: () => T): T => db.transaction(fn)(),
  };
}

export type Stores = ReturnType<typeof openStores>;
