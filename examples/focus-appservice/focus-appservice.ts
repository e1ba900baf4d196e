/**
 * A small "focus" application service for bunduit (or any homeserver), in TypeScript for
 * Bun, with no dependencies. It owns the exclusive user namespace `@_focus_.*`, and:
 *
 * - answers the homeserver's transactions (checking the hs_token, deduplicating txnIds as
 *   the spec requires), user queries (any `@_focus_…` user is registered on demand) and pings;
 * - joins the rooms its users are invited to;
 * - watches `org.matrix.msc3401.call.member` state in those rooms (Element Call's call
 *   membership) and announces, as its focus user, when a call starts and when it ends.
 *
 * It talks to the homeserver with its as_token only, acting as its users with ?user_id=.
 * See README.md for running it and docs/appservices.md for registering it.
 */

export interface FocusRegistration {
  id: string;
  url: string | null;
  as_token: string;
  hs_token: string;
  sender_localpart: string;
  namespaces: { users: { regex: string; exclusive: boolean }[] };
  [key: string]: unknown;
}

export interface FocusOptions {
  registration: FocusRegistration;
  /** The homeserver's client-server base URL, e.g. http://127.0.0.1:6167 */
  homeserverUrl: string;
  serverName: string;
  /** How to reach the homeserver (tests pass an in-process handler). */
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
  log?: (line: string) => void;
}

const CALL_MEMBER = "org.matrix.msc3401.call.member";
type MatrixEvent = {
  type: string;
  room_id: string;
  sender: string;
  state_key?: string;
  content: Record<string, unknown>;
  event_id: string;
};

/** A minimal registration file for this appservice, as YAML (JSON is YAML too). */
export function focusRegistration(url: string, id = "focus"): FocusRegistration {
  const token = () => crypto.randomUUID().replaceAll("-", "") + crypto.randomUUID().replaceAll("-", "");
  return {
    id,
    url,
    as_token: token(),
    hs_token: token(),
    sender_localpart: "_focus_bot",
    namespaces: { users: [{ regex: "@_focus_.*", exclusive: true }] },
    rate_limited: false,
    receive_ephemeral: true,
    "de.sorunome.msc2409.push_ephemeral": true,
    "org.matrix.msc3202": true,
    "io.element.msc4190": true,
  };
}

export function createFocusAppservice(options: FocusOptions) {
  const { registration, homeserverUrl, serverName } = options;
  const send = options.fetch ?? ((url: string, init: RequestInit) => fetch(url, init));
  const log = options.log ?? (() => {});
  const botUserId = `@${registration.sender_localpart}:${serverName}`;
  const inFocusNamespace = (userId: string) => userId.startsWith("@_focus_") && userId.endsWith(`:${serverName}`);
  /** The last transaction ids handled: the homeserver repeats one when our 200 was lost. */
  const recentTxnIds: string[] = [];
  /** Per room, the call members (state keys) with non-empty content. */
  const calls = new Map<string, Set<string>>();
  let txnCounter = 0;
  let work = Promise.resolve();

  async function homeserver(method: string, path: string, body?: unknown, actAs?: string): Promise<Response> {
    const query = actAs ? `${path.includes("?") ? "&" : "?"}user_id=${encodeURIComponent(actAs)}` : "";
    return send(`${homeserverUrl}${path}${query}`, {
      method,
      headers: { Authorization: `Bearer ${registration.as_token}`, "Content-Type": "application/json" },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  }

  async function say(roomId: string, text: string): Promise<void> {
    const path = `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/focus${Date.now()}_${++txnCounter}`;
    await homeserver("PUT", path, { msgtype: "m.notice", body: text }, botUserId);
  }

  async function onEvent(event: MatrixEvent): Promise<void> {
    if (
      event.type === "m.room.member" &&
      event.content.membership === "invite" &&
      event.state_key &&
      inFocusNamespace(event.state_key)
    ) {
      const joined = await homeserver(
        "POST",
        `/_matrix/client/v3/join/${encodeURIComponent(event.room_id)}`,
        {},
        event.state_key,
      );
      log(`joined ${event.room_id} as ${event.state_key}: ${joined.status}`);
      return;
    }
    if (event.type !== CALL_MEMBER || event.state_key === undefined) return;
    const members = calls.get(event.room_id) ?? new Set<string>();
    const wasEmpty = members.size === 0;
    if (Object.keys(event.content).length > 0) members.add(event.state_key);
    else members.delete(event.state_key);
    calls.set(event.room_id, members);
    if (wasEmpty && members.size > 0) await say(event.room_id, `A call started here; ${botUserId} is following it.`);
    if (!wasEmpty && members.size === 0) await say(event.room_id, "The call ended.");
  }

  function authorized(request: Request): boolean {
    return request.headers.get("authorization") === `Bearer ${registration.hs_token}`;
  }

  async function handle(request: Request): Promise<Response> {
    if (!authorized(request)) return Response.json({ errcode: "M_FORBIDDEN", error: "Bad hs_token" }, { status: 403 });
    const path = decodeURIComponent(new URL(request.url).pathname);
    const transaction = /^\/_matrix\/app\/v1\/transactions\/(.+)$/.exec(path);
    if (transaction && request.method === "PUT") {
      const txnId = transaction[1]!;
      const body = (await request.json()) as { events?: MatrixEvent[] };
      if (!recentTxnIds.includes(txnId)) {
        recentTxnIds.push(txnId);
        if (recentTxnIds.length > 100) recentTxnIds.shift();
        // Events are handled in order, one after the other; the homeserver need not wait for them.
        for (const event of body.events ?? [])
          work = work
            .then(() => onEvent(event))
            .catch((error: unknown) => log(`event ${event.event_id} failed: ${String(error)}`));
      }
      return Response.json({});
    }
    const user = /^\/_matrix\/app\/v1\/users\/(.+)$/.exec(path);
    if (user && request.method === "GET") {
      const userId = user[1]!;
      if (!inFocusNamespace(userId)) return Response.json({ errcode: "M_NOT_FOUND" }, { status: 404 });
      const localpart = userId.slice(1, userId.indexOf(":"));
      const created = await homeserver("POST", "/_matrix/client/v3/register", {
        type: "m.login.application_service",
        username: localpart,
        inhibit_login: true,
      });
      return created.ok ? Response.json({}) : Response.json({ errcode: "M_NOT_FOUND" }, { status: 404 });
    }
    if (path === "/_matrix/app/v1/ping" && request.method === "POST") return Response.json({});
    return Response.json({ errcode: "M_UNRECOGNIZED", error: "Unrecognized request" }, { status: 404 });
  }

  return {
    /** The HTTP handler to serve at the registration's `url`. */
    fetch: handle,

    /** Checks the homeserver reaches us (ping) and gives the focus user its name. */
    async start(): Promise<void> {
      const ping = await homeserver(
        "POST",
        `/_matrix/client/v1/appservice/${encodeURIComponent(registration.id)}/ping`,
        { transaction_id: `focus-start-${Date.now()}` },
      );
      const answer = (await ping.json()) as { duration_ms?: number; errcode?: string };
      if (!ping.ok)
        throw new Error(
          `the homeserver cannot reach this appservice: ${answer.errcode ?? ping.status} (see docs/appservices.md#troubleshooting)`,
        );
      log(`ping ok in ${answer.duration_ms} ms`);
      await homeserver("PUT", `/_matrix/client/v3/profile/${encodeURIComponent(botUserId)}/displayname`, {
        displayname: "Call focus",
      });
    },

    /** Resolves when every event received so far has been handled. */
    idle: () => work,
  };
}
