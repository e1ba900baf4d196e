/** Opens every store on one database; core services receive the ones they need. */
import type { Database } from "bun:sqlite";
import { createAccessTokenStore } from "./access-tokens.ts";
import { createAccountStore } from "./accounts.ts";
import { createDeviceStore } from "./devices.ts";
import { createServerKeyStore } from "./server-keys.ts";
import { createAliasStore } from "./aliases.ts";
import { createEventStore } from "./events.ts";
import { createMembershipStore } from "./memberships.ts";
import { createRoomStateStore } from "./room-state.ts";
import { createRoomStore } from "./rooms.ts";
import { createTransactionIdStore } from "./transaction-ids.ts";

export function openStores(db: Database) {
  return {
    db,
    serverKeys: createServerKeyStore(db),
    accounts: createAccountStore(db),
    devices: createDeviceStore(db),
    accessTokens: createAccessTokenStore(db),
    rooms: createRoomStore(db),
    events: createEventStore(db),
    roomState: createRoomStateStore(db),
    memberships: createMembershipStore(db),
    transactionIds: createTransactionIdStore(db),
    aliases: createAliasStore(db),
    /** Runs `fn` in one transaction: a failed request leaves nothing half-written. */
    transaction: <T>(fn: () => T): T => db.transaction(fn)(),
  };
}

export type Stores = ReturnType<typeof openStores>;
