/**
 * Delivery to application services: durable, in order, exactly once per transaction id.
 *
 * - Items wait in SQLite (appservice_outbox) until they are put into a transaction.
 * - A transaction is built once (at most transaction_batch_size items, and about 1 MB: see
 *   MAX_TRANSACTION_BYTES), inside one SQLite transaction that also removes its items
 *   from the outbox, and its body is stored (appservice_transactions) before it is sent.
 *   Every retry, including after a restart, sends the same txn id with the same bytes.
 * - At most one transaction per appservice is in flight; the next is built only after the
 *   appservice answered 2xx, so order is kept.
 * - Failures back off exponentially from retry_min_ms to retry_max_ms, without end: an
 *   appservice that is down for a day receives its whole backlog when it returns.
 * https://spec.matrix.org/v1.19/application-service-api/#pushing-events
 */
import type { Logger } from "../../logger.ts";
import type { OutboxKind, TransactionRow } from "../../storage/appservice-queue.ts";
import type { Stores } from "../../storage/index.ts";
import type { Clock } from "../clock.ts";
import type { AppserviceApi } from "./appservice-api.ts";
import type { Appservice } from "./namespaces.ts";
import type { AppserviceRegistry } from "./registry.ts";
import { buildTransactionBody, type BodyDependencies } from "./transaction-body.ts";

export interface QueueSettings {
  transaction_batch_size: number;
  retry_min_ms: number;
  retry_max_ms: number;
}

interface SenderState {
  /** The running delivery loop, if any. */
  running?: Promise<void>;
  retryTimer?: ReturnType<typeof setTimeout>;
  attempts: number;
}

export function createOutboundQueue(deps: {
  stores: Pick<Stores, "appservices" | "appserviceQueue" | "transaction">;
  registry: Pick<AppserviceRegistry, "get">;
  api: Pick<AppserviceApi, "putTransaction">;
  body: BodyDependencies;
  settings: QueueSettings;
  clock: Clock;
  logger: Logger;
}) {
  const { stores, registry, api, settings, clock, logger } = deps;
  const queue = stores.appserviceQueue;
  const senders = new Map<string, SenderState>();
  let started = false;

  const stateOf = (id: string) => senders.get(id) ?? senders.set(id, { attempts: 0 }).get(id)!;

  /** The pending transaction, or a new one built from the oldest items; undefined when there is nothing to send. */
  function nextTransaction(appservice: Appservice): TransactionRow | undefined {
    return stores.transaction(() => {
      const pending = queue.selectTransaction(appservice.id);
      if (pending) return pending;
      for (;;) {
        const items = queue.selectOutbox(appservice.id, settings.transaction_batch_size);
        if (items.length === 0) return undefined;
        const { body, consumed } = buildTransactionBody(items, appservice, deps.body);
        queue.deleteOutboxUpTo(appservice.id, items[consumed - 1]!.seq);
        if (!body) continue;
        const txnId = stores.appservices.nextTxnId(appservice.id);
        const text = JSON.stringify(body);
        queue.insertTransaction(appservice.id, txnId, text, clock.now());
        return {
          appservice_id: appservice.id,
          txn_id: txnId,
          body: text,
          created_ts: clock.now(),
          attempts: 0,
          last_error: null,
        };
      }
    });
  }

  function retryDelay(attempts: number): number {
    return Math.min(settings.retry_max_ms, settings.retry_min_ms * 2 ** Math.min(attempts - 1, 30));
  }

  function failed(id: string, state: SenderState, txn: TransactionRow, error: unknown): void {
    state.attempts++;
    const message = error instanceof Error ? error.message : String(error);
    queue.updateFailure(id, txn.txn_id, message);
    const delay = retryDelay(state.attempts);
    // One line per doubling, so a day-long outage logs a few dozen lines, not thousands.
    if ((state.attempts & (state.attempts - 1)) === 0) {
      logger.warn("appservice transaction failed; retrying", {
        appservice: id,
        txn_id: txn.txn_id,
        attempts: state.attempts,
        retry_in_ms: delay,
        error: message,
      });
    }
    if (!started) return;
    state.retryTimer = setTimeout(() => {
      state.retryTimer = undefined;
      wake(id);
    }, delay);
  }

  async function deliver(id: string, state: SenderState): Promise<void> {
    while (started) {
      const appservice = registry.get(id);
      if (!appservice || appservice.registration.url === null) return;
      const txn = nextTransaction(appservice);
      if (!txn) return;
      try {
        await api.putTransaction(appservice, txn.txn_id, txn.body);
      } catch (error) {
        // Recorded even when stop() came meanwhile (stop waits for this request): the next
        // start, and an operator looking at the row, see why the transaction is still pending.
        failed(id, state, txn, error);
        return;
      }
      queue.deleteTransaction(id, txn.txn_id);
      if (state.attempts > 0)
        logger.info("appservice reachable again", { appservice: id, after_attempts: state.attempts });
      state.attempts = 0;
    }
  }

  /** Starts delivering to the appservice unless it is already sending or waiting out a backoff. */
  function wake(id: string): void {
    const state = stateOf(id);
    if (!started || state.running || state.retryTimer) return;
    state.running = deliver(id, state)
      .catch((error: unknown) =>
        logger.error("appservice delivery loop failed", { appservice: id, error: String(error) }),
      )
      .finally(() => {
        state.running = undefined;
      });
  }

  return {
    /** Queues one item, inside the caller's SQLite transaction; call `wake` after it commits. */
    insert(appserviceId: string, kind: OutboxKind, payload: string): void {
      queue.insertOutboxItem(appserviceId, kind, payload, clock.now());
    },

    wake,

    /** Resumes every appservice with a pending transaction or queued items. */
    start(): void {
      started = true;
      for (const id of queue.selectAppservicesWithWork()) wake(id);
    },

    /** Stops sending and waits for requests in flight; what is unsent stays queued for the next start. */
    async stop(): Promise<void> {
      started = false;
      for (const state of senders.values()) {
        clearTimeout(state.retryTimer);
        state.retryTimer = undefined;
      }
      await Promise.all([...senders.values()].map((state) => state.running));
    },

    /** Skips a waiting backoff and tries again now (after a successful ping or a registration change). */
    retryNow(id: string): void {
      const state = senders.get(id);
      if (state?.retryTimer) {
        clearTimeout(state.retryTimer);
        state.retryTimer = undefined;
      }
      wake(id);
    },

    /** Resolves when no delivery loop is running (tests, benchmarks). */
    async settled(): Promise<void> {
      while ([...senders.values()].some((state) => state.running))
        await Promise.all([...senders.values()].map((state) => state.running));
    },

    /** What waits for the appservice, for `bunduit appservice list` and the logs. */
    backlog(id: string) {
      const pending = queue.selectTransaction(id);
      return {
        queued_items: queue.countOutbox(id),
        pending_txn_id: pending?.txn_id,
        attempts: pending?.attempts ?? 0,
        last_error: pending?.last_error ?? undefined,
      };
    },
  };
}

export type OutboundQueue = ReturnType<typeof createOutboundQueue>;
