/** Opens every store on one database; core services receive the ones they need. */
import type { Database } from "bun:sqlite";
import { createAccessTokenStore } from "./access-tokens.ts";
import { createAccountStore } from "./accounts.ts";
import { createDeviceStore } from "./devices.ts";
import { createServerKeyStore } from "./server-keys.ts";
import { createAliasStore } from "./aliases.ts";
import { createEventStore } from "./events.ts";
import { createGroupCommit } from "./group-commit.ts";
import { createMembershipStore } from "./memberships.ts";
import { createRoomStateStore } from "./room-state.ts";
import { createRoomStore } from "./rooms.ts";
import { createTransactionIdStore } from "./transaction-ids.ts";

export function openStores(db: Database) {
  const groupCommit = createGroupCommit(db);
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
    /** Batches room writes into one commit per event-loop turn (storage/group-commit.ts). */
    groupCommit,
    /**
     * Runs `fn` in one transaction: a failed request leaves nothing half-written. An open
     * group-commit batch is committed first, so this transaction is durable on return.
     */
    transaction: <T>(fn: () => T): T => {
      groupCommit.commitNow();
      return db.transaction(fn)();
    },
  };
}

export type Stores = ReturnType<typeof openStores>;
