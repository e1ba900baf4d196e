/**
 * A fake application service: a Bun.serve on a free port that records every request the
 * homeserver makes (transactions, user and alias queries, pings, third-party lookups) and
 * answers as the test tells it to. It can go down (stop listening) and come back on the
 * same port, and it dedupes transactions by txnId as the spec requires of appservices.
 */
import { validateRegistration, type Registration } from "../../src/core/appservices/registration-file.ts";
import type { TestServer } from "./server.ts";
import { closeAfterUse } from "./teardown.ts";

export interface ReceivedTransaction {
  txnId: string;
  raw: string;
  body: any;
}

type Handler = (request: Request, path: string) => Response | undefined | Promise<Response | undefined>;

let counter = 0;

export async function startFakeAppservice(options: { hsToken?: string; port?: number } = {}) {
  const hsToken = options.hsToken ?? `hs_${++counter}_${crypto.randomUUID()}`;
  const received: ReceivedTransaction[] = [];
  const requests: { method: string; path: string; authorization: string | null; body: string }[] = [];
  let handler: Handler | undefined;

  async function fetchHandler(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = decodeURIComponent(url.pathname);
    const body = await request.text();
    requests.push({
      method: request.method,
      path: `${path}${url.search}`,
      authorization: request.headers.get("authorization"),
      body,
    });
    const custom = await handler?.(
      new Request(request.url, { method: request.method, headers: request.headers, ...(body ? { body } : {}) }),
      path,
    );
    if (custom) return custom;
    if (request.headers.get("authorization") !== `Bearer ${hsToken}`)
      return Response.json({ errcode: "M_FORBIDDEN" }, { status: 403 });
    const transaction = /^\/_matrix\/app\/v1\/transactions\/(.+)$/.exec(path);
    if (transaction && request.method === "PUT") {
      received.push({ txnId: transaction[1]!, raw: body, body: JSON.parse(body) });
      return Response.json({});
    }
    if (path === "/_matrix/app/v1/ping") return Response.json({});
    return Response.json({ errcode: "M_NOT_FOUND" }, { status: 404 });
  }

  let server = Bun.serve({ port: options.port ?? 0, hostname: "127.0.0.1", fetch: fetchHandler });
  const port = server.port!;

  const fake = {
    url: `http://127.0.0.1:${port}`,
    port,
    hsToken,
    /** Every transaction received, retries included, in arrival order. */
    received,
    requests,
    /** Answers requests before the default behaviour; return undefined to fall through. */
    onRequest(next: Handler | undefined) {
      handler = next;
    },
    /** Transactions after deduplication by txnId; throws if a txnId came back with another body. */
    delivered(): ReceivedTransaction[] {
      const byId = new Map<string, ReceivedTransaction>();
      for (const transaction of received) {
        const seen = byId.get(transaction.txnId);
        if (seen && seen.raw !== transaction.raw)
          throw new Error(`txnId ${transaction.txnId} was sent with two different bodies`);
        if (!seen) byId.set(transaction.txnId, transaction);
      }
      return [...byId.values()];
    },
    /** Every item under `key` of the deduplicated transactions, in order. */
    items(key: string): any[] {
      return fake.delivered().flatMap((transaction) => (transaction.body[key] ?? []) as any[]);
    },
    async waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline)
          throw new Error(
            `timed out; received ${received.length} transactions: ${JSON.stringify(received.map((t) => t.txnId))}`,
          );
        await Bun.sleep(5);
      }
    },
    /** Stops listening: connections are refused until comeBack. */
    async goDown(): Promise<void> {
      await server.stop(true);
    },
    comeBack(): void {
      server = Bun.serve({ port, hostname: "127.0.0.1", fetch: fetchHandler });
    },
    stop: closeAfterUse(() => server.stop(true)),
  };
  return fake;
}

export type FakeAppservice = Awaited<ReturnType<typeof startFakeAppservice>>;

/** A registration as a YAML file would give it, with fresh tokens. */
export function registration(overrides: Record<string, unknown> = {}): Registration {
  const id = `as${++counter}`;
  return validateRegistration(
    {
      id,
      url: null,
      as_token: `as_${id}_${crypto.randomUUID()}`,
      hs_token: `hs_${id}_${crypto.randomUUID()}`,
      sender_localpart: `_${id}_bot`,
      namespaces: { users: [{ regex: `@_${id}_.*`, exclusive: true }] },
      ...overrides,
    },
    "test",
  );
}

/** Registers an appservice on the test server (as the CLI would) and returns its registration. */
export function registerAppservice(server: TestServer, overrides: Record<string, unknown> = {}): Registration {
  const registered = registration(overrides);
  server.services.appservices.registrations.register(registered, "test");
  return registered;
}

/**
 * Resolves once the server has no delivery to appservices under way, so what it was going to
 * send after the requests so far has been sent: a test can then assert that nothing came.
 */
export function appserviceDeliveriesSettled(server: TestServer): Promise<void> {
  return server.services.appservices.queue.settled();
}

/** What waits for the appservice on the server: queued items, the pending transaction, attempts and the last error. */
export function appserviceBacklog(server: TestServer, appserviceId: string) {
  return server.services.appservices.queue.backlog(appserviceId);
}

/** Starts delivering to appservices, as the server's background tasks do at start. */
export const startAppserviceDelivery = (server: TestServer): void => server.services.appservices.start();

/** Stops delivering and waits for requests in flight; what is unsent stays queued, as at shutdown. */
export const stopAppserviceDelivery = (server: TestServer): Promise<void> => server.services.appservices.stop();

/** Hands ephemeral data (presence, typing, receipts) to the appservices, as the ephemeral streams do. */
export const enqueueEphemeral = (
  server: TestServer,
  event: Parameters<TestServer["services"]["appservices"]["enqueueEphemeral"]>[0],
): void => server.services.appservices.enqueueEphemeral(event);

/** The appservice's pending transaction as stored (txn id, body, attempts, last error), if any. */
export const storedAppserviceTransaction = (server: TestServer, appserviceId: string) =>
  server.stores.appserviceQueue.selectTransaction(appserviceId);

/** How many items wait in the appservice's outbox, not yet in a transaction. */
export const storedOutboxCount = (server: TestServer, appserviceId: string): number =>
  server.stores.appserviceQueue.countOutbox(appserviceId);

/**
 * Replaces the appservice's registration, as `bunduit appservice register --replace` would,
 * and lets its queue retry now instead of when the server's poll notices the change.
 */
export function replaceRegistration(server: TestServer, registration: Registration): void {
  server.services.appservices.registrations.register(registration, "test", { replace: true });
  server.services.appservices.queue.retryNow(registration.id);
}
