/**
 * The homeserver → application service API: what bunduit sends to an appservice's `url`,
 * always with `Authorization: Bearer <hs_token>`.
 * https://spec.matrix.org/v1.19/application-service-api/#homeserver---application-service-api
 * The legacy unprefixed paths are not tried: every maintained appservice library serves
 * /_matrix/app/v1 (Synapse dropped the fallback too).
 */
import type { Appservice } from "./namespaces.ts";

const APP_V1 = "/_matrix/app/v1";

/** Why a request to an appservice failed; `status` and `body` are set when it answered. */
export class AppserviceRequestError extends Error {
  constructor(
    readonly reason: "timeout" | "connection" | "status",
    message: string,
    readonly status?: number,
    readonly body?: string,
  ) {
    super(message);
    this.name = "AppserviceRequestError";
  }
}

export interface AppserviceApiOptions {
  /** How long one request may take, in milliseconds. */
  timeoutMs: number;
}

export function createAppserviceApi({ timeoutMs }: AppserviceApiOptions) {
  /** One request; `body` is JSON text, sent byte for byte (a stored transaction goes out as stored). */
  async function request(
    appservice: Appservice,
    method: string,
    path: string,
    body?: string,
  ): Promise<{ status: number; text: string }> {
    const url = appservice.registration.url;
    if (url === null) throw new AppserviceRequestError("connection", "the appservice has no url");
    try {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${appservice.registration.hs_token}`,
          ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
        },
        ...(body !== undefined ? { body } : {}),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: "manual",
      });
      return { status: response.status, text: await response.text() };
    } catch (error) {
      const name = error instanceof Error ? error.name : "";
      if (name === "TimeoutError" || name === "AbortError")
        throw new AppserviceRequestError("timeout", `no answer within ${timeoutMs} ms`);
      throw new AppserviceRequestError("connection", error instanceof Error ? error.message : String(error));
    }
  }

  /** Throws unless the appservice answered 2xx; returns the answer's text. */
  async function requestOk(appservice: Appservice, method: string, path: string, body?: string): Promise<string> {
    const { status, text } = await request(appservice, method, path, body);
    if (status < 200 || status > 299)
      throw new AppserviceRequestError("status", `the appservice answered ${status}`, status, text.slice(0, 2000));
    return text;
  }

  /** An entity query: true when the appservice answered 200 (it says it created the entity). */
  async function query(appservice: Appservice, path: string): Promise<boolean> {
    try {
      return (await request(appservice, "GET", path)).status === 200;
    } catch {
      return false;
    }
  }

  return {
    /** PUT /transactions/{txnId} with the stored body; throws AppserviceRequestError unless 2xx. */
    async putTransaction(appservice: Appservice, txnId: number, body: string): Promise<void> {
      await requestOk(appservice, "PUT", `${APP_V1}/transactions/${txnId}`, body);
    },

    queryUser: (appservice: Appservice, userId: string) =>
      query(appservice, `${APP_V1}/users/${encodeURIComponent(userId)}`),
    queryAlias: (appservice: Appservice, alias: string) =>
      query(appservice, `${APP_V1}/rooms/${encodeURIComponent(alias)}`),

    /** POST /ping; resolves to the round trip in milliseconds. */
    async ping(appservice: Appservice, transactionId: string | undefined): Promise<number> {
      const started = performance.now();
      await requestOk(
        appservice,
        "POST",
        `${APP_V1}/ping`,
        JSON.stringify(transactionId === undefined ? {} : { transaction_id: transactionId }),
      );
      return Math.round(performance.now() - started);
    },

    /** GET a third-party lookup path under /thirdparty; undefined on any failure. */
    async thirdParty(appservice: Appservice, path: string, search: URLSearchParams): Promise<unknown> {
      const suffix = search.size > 0 ? `?${search}` : "";
      try {
        return JSON.parse(await requestOk(appservice, "GET", `${APP_V1}/thirdparty/${path}${suffix}`)) as unknown;
      } catch {
        return undefined;
      }
    },
  };
}

export type AppserviceApi = ReturnType<typeof createAppserviceApi>;
