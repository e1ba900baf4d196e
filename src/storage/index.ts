/** Opens every store on one database; core services receive the ones they need. */
import type { Database } from "bun:sqlite";
import { createAccessTokenStore } from "./access-tokens.ts";
import { createAccountDataStore } from "./account-data.ts";
import { createAccountStore } from "./accounts.ts";
import { createAppserviceQueueStore } from "./appservice-queue.ts";
import { createAppserviceStore } from "./appservices.ts";
import { createCrossSigningStore } from "./cross-signing.ts";
import { createDelayedEventStore } from "./delayed-events.ts";
import { createDeviceKeyStore } from "./device-keys.ts";
import { createDeviceListStore } from "./device-lists.ts";
import { createDeviceStore } from "./devices.ts";
import { createEventPushActionStore } from "./event-push-actions.ts";
import { createOpenIdTokenStore } from "./openid-tokens.ts";
import { createKeyBackupStore } from "./key-backup.ts";
import { createMediaStore } from "./media.ts";
import { createPushRuleStore } from "./push-rules.ts";
import { createPusherStore } from "./pushers.ts";
import { createReceiptStore } from "./receipts.ts";
import { createServerKeyStore } from "./server-keys.ts";
import { createAliasStore } from "./aliases.ts";
import { createDirectoryStore } from "./directory.ts";
import { createReportStore } from "./reports.ts";
import { createEventStore } from "./events.ts";
import { checkpointDatabase, type CheckpointResult } from "./database.ts";
import { createGroupCommit } from "./group-commit.ts";
import { createMembershipStore } from "./memberships.ts";
import { createRelationStore } from "./relations.ts";
import { createRoomStateStore } from "./room-state.ts";
import { createRoomStore } from "./rooms.ts";
import { createTransactionIdStore } from "./transaction-ids.ts";
import { createToDeviceStore } from "./to-device.ts";
import { createFilterStore } from "./filters.ts";
import { createProfileStore } from "./profiles.ts";
import { createRefreshTokenStore } from "./refresh-tokens.ts";
import { createUiaSessionStore } from "./uia-sessions.ts";
import { createUserDirectoryStore } from "./user-directory.ts";

export function openStores(db: Database) {
  const groupCommit = createGroupCommit(db);
  return {
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
    media: createMediaStore(db),
    pushRules: createPushRuleStore(db),
    eventPushActions: createEventPushActionStore(db),
    pushers: createPusherStore(db),
    receipts: createReceiptStore(db),
    rooms: createRoomStore(db),
    events: createEventStore(db),
    relations: createRelationStore(db),
    roomState: createRoomStateStore(db),
    memberships: createMembershipStore(db),
    transactionIds: createTransactionIdStore(db),
    aliases: createAliasStore(db),
    directory: createDirectoryStore(db),
    reports: createReportStore(db),
    delayedEvents: createDelayedEventStore(db),
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
    /**
     * Runs `fn` now, in this turn's batched transaction and its own savepoint (if `fn` throws,
     * only its writes are undone); resolves with its result once the batch is durable. Room
     * events go through the room engine's `write`, which uses this.
     */
    write: <T>(fn: () => T): Promise<T> => groupCommit.write(fn),
    /** Resolves once everything written so far (this turn's batch, if one is open) is committed, or failed. */
    committed: (): Promise<void> => groupCommit.settled(),
    /**
     * Runs `fn` in a savepoint of the transaction that is open (a group-commit write, a
     * `transaction`): if `fn` throws, only its writes are undone and the throw propagates.
     */
    savepoint: <T>(fn: () => T): T => db.transaction(fn)(),
    /**
     * A PASSIVE WAL checkpoint between group-commit batches: now if none is open, else right
     * after the open one commits. Never inside a transaction, where SQLite refuses it.
     */
    checkpoint: (): Promise<CheckpointResult> =>
      new Promise((resolve, reject) =>
        groupCommit.whenIdle(() => {
          try {
            resolve(checkpointDatabase(db));
          } catch (error) {
            reject(error);
          }
        }),
      ),
  };
}

export type Stores = ReturnType<typeof openStores>;
