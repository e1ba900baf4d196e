/**
 * Pushers: where a user's devices want push notifications sent. Only `http` pushers are
 * supported (no email); the URL must be a push gateway's notify endpoint.
 * https://spec.matrix.org/v1.19/client-server-api/#post_matrixclientv3pushersset
 */
import { MatrixError } from "../../errors.ts";
import type { Stores } from "../../storage/index.ts";
import type { PusherRow } from "../../storage/pushers.ts";
import type { Clock } from "../clock.ts";
import type { Requester } from "../requester.ts";

export const NOTIFY_PATH = "/_matrix/push/v1/notify";
const MAX_PUSHKEY_BYTES = 512;
const MAX_APP_ID_LENGTH = 64;

export interface PusherData {
  url?: string;
  format?: string;
  [key: string]: unknown;
}

export interface Pusher {
  pushkey: string;
  kind: string;
  app_id: string;
  app_display_name: string;
  device_display_name: string;
  profile_tag?: string;
  lang: string;
  data: PusherData;
}

/** The body of POST /pushers/set, after the route's schema has checked its shape. */
export interface SetPusherBody {
  kind: string | null;
  app_id: string;
  pushkey: string;
  app_display_name?: string;
  device_display_name?: string;
  profile_tag?: string;
  lang?: string;
  data?: PusherData;
  append?: boolean;
}

export function pusherFromRow(row: PusherRow): Pusher {
  const pusher: Pusher = {
    pushkey: row.pushkey,
    kind: row.kind,
    app_id: row.app_id,
    app_display_name: row.app_display_name,
    device_display_name: row.device_display_name,
    lang: row.lang,
    data: JSON.parse(row.data) as PusherData,
  };
  if (row.profile_tag !== null) pusher.profile_tag = row.profile_tag;
  return pusher;
}

/** http(s) only: the spec asks for HTTPS, but a gateway on loopback or a private network is common. */
function validateGatewayUrl(url: unknown): string {
  if (url === undefined)
    throw new MatrixError("M_MISSING_PARAM", "Missing 'data.url': http pushers need the push gateway's URL");
  let parsed: URL | undefined;
  try {
    parsed = typeof url === "string" ? new URL(url) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== "https:" && parsed.protocol !== "http:"))
    throw new MatrixError("M_INVALID_PARAM", "'data.url' must be an http(s) URL");
  if (parsed.pathname !== NOTIFY_PATH)
    throw new MatrixError("M_INVALID_PARAM", `'data.url' must have the path ${NOTIFY_PATH}`);
  return url as string;
}

function validateNewPusher(
  body: SetPusherBody,
): Required<Pick<SetPusherBody, "app_display_name" | "device_display_name" | "lang" | "data">> {
  const missing = (["app_display_name", "device_display_name", "lang", "data"] as const).filter(
    (name) => body[name] === undefined,
  );
  if (missing.length > 0) throw new MatrixError("M_MISSING_PARAM", `Missing parameters: ${missing.join(", ")}`);
  if (body.kind !== "http")
    throw new MatrixError("M_INVALID_PARAM", `Unsupported pusher kind '${body.kind}': only http pushers are supported`);
  if (Buffer.byteLength(body.pushkey) > MAX_PUSHKEY_BYTES)
    throw new MatrixError("M_INVALID_PARAM", `'pushkey' is limited to ${MAX_PUSHKEY_BYTES} bytes`);
  if (body.app_id.length > MAX_APP_ID_LENGTH)
    throw new MatrixError("M_INVALID_PARAM", `'app_id' is limited to ${MAX_APP_ID_LENGTH} characters`);
  validateGatewayUrl(body.data?.url);
  return {
    app_display_name: body.app_display_name!,
    device_display_name: body.device_display_name!,
    lang: body.lang!,
    data: body.data!,
  };
}

export function createPushers(stores: Pick<Stores, "pushers" | "transaction">, clock: Clock) {
  return {
    listPushers(userId: string): { pushers: Pusher[] } {
      return { pushers: stores.pushers.selectByUser(userId).map(pusherFromRow) };
    },

    /** On deactivation: the user gets no more pushes. */
    deletePushersOf(userId: string): void {
      stores.pushers.deleteByUser(userId);
    },

    /**
     * Creates or updates the requester's pusher for (app_id, pushkey); `kind: null` deletes it.
     * Without `append`, other users' pushers with the same app_id and pushkey are removed.
     */
    setPusher(requester: Requester, body: SetPusherBody): void {
      if (body.kind === null) {
        stores.pushers.deletePusher(requester.user_id, body.app_id, body.pushkey);
        return;
      }
      const fields = validateNewPusher(body);
      stores.transaction(() => {
        stores.pushers.upsertPusher({
          user_id: requester.user_id,
          app_id: body.app_id,
          pushkey: body.pushkey,
          kind: body.kind as string,
          ...fields,
          profile_tag: body.profile_tag ?? null,
          data: JSON.stringify(fields.data),
          device_id: requester.appservice_id === undefined ? requester.device_id : null,
          pushkey_ts: clock.now(),
        });
        if (!body.append) stores.pushers.deleteForOtherUsers(body.app_id, body.pushkey, requester.user_id);
      });
    },
  };
}

export type Pushers = ReturnType<typeof createPushers>;
