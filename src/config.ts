/**
 * The one schema of conduit.toml and its loader. The schema is the single source for
 * validation, `bunduit check-config` and docs/configuration.md. Conduit's keys keep
 * Conduit's meaning so that a Conduit operator's file works unchanged.
 */
import { Type, type Static, type TSchema, type TObject } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { parse as parseToml, TomlError } from "smol-toml";

const Str = (description: string, options: Record<string, unknown> = {}) => Type.String({ description, ...options });
const Bool = (description: string, value: boolean) => Type.Boolean({ description, default: value });
const Int = (description: string, value: number, options: Record<string, unknown> = {}) =>
  Type.Integer({ description, default: value, ...options });
const Strings = (description: string, value: string[] = []) => Type.Array(Type.String(), { description, default: value });

const TurnTable = Type.Object(
  {
    uris: Strings("TURN URIs handed to clients, e.g. `turn:turn.example.org?transport=udp`."),
    secret: Str("coturn's `static-auth-secret`; clients get time-limited credentials derived from it.", { default: "" }),
    username: Str("A static TURN username (used when no secret is set).", { default: "" }),
    password: Str("A static TURN password (used when no secret is set).", { default: "" }),
    ttl: Int("Lifetime of issued TURN credentials, in seconds.", 86400, { minimum: 1 }),
  },
  { description: "Conduit's newer table form of the TURN settings; it takes precedence over the flat `turn_*` keys." },
);

const WellKnown = Type.Object(
  {
    client: Type.Optional(Str("`m.homeserver.base_url` in /.well-known/matrix/client. Default: the URL the request came in on.")),
    server: Type.Optional(Str("`m.server` in /.well-known/matrix/server, e.g. `matrix.example.org:443`. Default: server_name:443 when unset.")),
    support_contacts: Type.Array(
      Type.Object({
        role: Str("`m.role.admin` or `m.role.security`."),
        matrix_id: Type.Optional(Str("A Matrix user id to contact.")),
        email_address: Type.Optional(Str("An email address to contact.")),
      }),
      { description: "Contacts listed in /.well-known/matrix/support.", default: [] },
    ),
    support_page: Type.Optional(Str("A support page URL listed in /.well-known/matrix/support.")),
  },
  { description: "What the /.well-known/matrix/* documents say.", default: {} },
);

const RtcTransport = Type.Object(
  {
    type: Str('The transport type. Element Call speaks "livekit" only.', { minLength: 1 }),
    livekit_service_url: Type.Optional(
      Str("For type livekit: the MatrixRTC authorization service (lk-jwt-service) clients post their OpenID token to, e.g. `https://matrix.example.org/livekit/jwt`."),
    ),
  },
  // MSC4143 transports are open objects; fields we do not know are handed to clients as written.
  { additionalProperties: Type.Unknown() },
);

const MatrixRtc = Type.Object(
  {
    transports: Type.Array(RtcTransport, {
      description:
        "MatrixRTC transports in order of preference, served by /rtc/transports and as `org.matrix.msc4143.rtc_foci` in /.well-known/matrix/client. " +
        "Empty: the built-in LiveKit authorization service when the livekit_* keys are set, otherwise none (Element Call finds no SFU on this server).",
      default: [],
    }),
    livekit_url: Type.Optional(
      Str(
        "The LiveKit SFU's WebSocket URL, handed to clients with their token and used (as https) for LiveKit's room service API, e.g. `wss://livekit.example.org`. " +
          "Setting it with livekit_api_key and livekit_api_secret switches on the built-in LiveKit authorization service at /livekit/jwt.",
      ),
    ),
    livekit_api_key: Type.Optional(Str("A LiveKit API key: a key under `keys:` in LiveKit's livekit.yaml (and its `webhook.api_key`).")),
    livekit_api_secret: Type.Optional(Str("The secret of livekit_api_key in livekit.yaml `keys:`; it signs the tokens bunduit hands out.")),
  },
  { description: "Element Call (MatrixRTC): the LiveKit transports this server offers its users, and its built-in LiveKit authorization service.", default: {} },
);

const ToDevice = Type.Object(
  {
    max_messages_per_device: Int(
      "The most to-device messages kept for one device that has not fetched them. Past it the oldest are dropped, so a device that never syncs cannot grow the queue without bound.",
      10_000,
      { minimum: 100 },
    ),
    message_lifetime_days: Int("To-device messages a device has not fetched after this many days are deleted.", 30, { minimum: 1 }),
  },
  { description: "Limits of the to-device inbox (docs/encryption.md).", default: {} },
);

const Appservices = Type.Object(
  {
    transaction_batch_size: Int("The most events, ephemeral events and to-device messages put into one transaction pushed to an application service.", 100, {
      minimum: 1,
      maximum: 1000,
    }),
    retry_min_ms: Int("After a failed transaction, the first retry waits this long; each further failure doubles the wait.", 1000, { minimum: 10 }),
    retry_max_ms: Int("The longest wait between retries of a failed transaction (retries never stop).", 300_000, { minimum: 10 }),
    request_timeout_ms: Int("How long a request to an application service (transaction, user or alias query, ping, third-party lookup) may take.", 30_000, {
      minimum: 100,
    }),
    poll_interval_ms: Int(
      "How often the running server checks whether `bunduit appservice register/unregister` changed the registrations (a cheap PRAGMA data_version).",
      2000,
      { minimum: 100 },
    ),
  },
  { description: "Delivery to application services (docs/appservices.md).", default: {} },
);

const Bucket = (description: string, perSecond: number, burst: number) =>
  Type.Object(
    {
      per_second: Type.Number({ description: "Requests per second allowed on average (the bucket refills at this rate).", default: perSecond, exclusiveMinimum: 0 }),
      burst: Int("Requests allowed in a burst (the bucket's size).", burst, { minimum: 1 }),
    },
    { description, default: {} },
  );

/** RFC 3339 date or date-time as a quoted string; TOML's unquoted dates arrive as Date objects. */
const DateValue = (description: string) =>
  Type.Union([Type.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})?)?$" }), Type.Date()], { description });

const MediaTable = Type.Object(
  {
    path: Type.Optional(Str("The directory media files live in (Conduit's key). Default: `<database_path>/media`.")),
    max_upload_size: Int("The largest upload accepted, in bytes; clients see it as `m.upload.size`. JSON requests stay limited by max_request_size.", 104_857_600, { minimum: 1 }),
    max_pending_uploads: Int("How many media ids from POST /_matrix/media/v1/create a user may have waiting for their content at once.", 5, { minimum: 1 }),
    unused_expiry_seconds: Int("How long a media id from POST /_matrix/media/v1/create waits for its content before it expires.", 86400, { minimum: 1 }),
    max_download_wait_ms: Int("The longest a download waits for content that is not uploaded yet, whatever `timeout_ms` the client asks for.", 60_000, { minimum: 0 }),
    max_image_pixels: Int("Images with more pixels (width × height) than this are not decoded for thumbnails: 413 M_TOO_LARGE. Decoding needs about 4 bytes per pixel, three times over.", 32_000_000, { minimum: 1 }),
    unauthenticated_cutoff: Type.Optional(
      DateValue(
        "Media uploaded before this date (e.g. 2025-01-01 or 2025-01-01T00:00:00Z) stays downloadable through the deprecated unauthenticated /_matrix/media/v3/download and /thumbnail endpoints. Unset: those endpoints serve no media at all (the spec's freeze); /_matrix/client/v1/media serves everything.",
      ),
    ),
  },
  { description: "The media repository: uploads, downloads and thumbnails.", default: {} },
);

const DelayedEvents = Type.Object(
  {
    max_delay_ms: Int(
      "The longest delay a client may ask for, in milliseconds. A longer one is refused with the unstable M_MAX_DELAY_EXCEEDED error naming this maximum, and Element Call asks again with it. " +
        "Element Call's delayed leave events wait 8–18 s.",
      86_400_000,
      { minimum: 1 },
    ),
    max_per_user: Int(
      "How many delayed events one user may have scheduled at once; more are refused with 429 M_LIMIT_EXCEEDED until one is sent. Element Call needs one per device in a call. 0 switches delayed events off.",
      100,
      { minimum: 0 },
    ),
  },
  {
    description:
      "Delayed events (MSC4140): events a client schedules to be sent later, and keeps postponing. Element Call schedules each participant's \"leave\" this way, so that a crashed client leaves the call within seconds (docs/element-call.md).",
    default: {},
  },
);

const RateLimits = Type.Object(
  {
    enabled: Bool("Set to false to switch every rate limit off (tests, trusted deployments).", true),
    registration: Bucket("Accounts created through POST /register, per client IP address (a request over the limit is refused before any work).", 0.17, 3),
    login: Bucket("POST /login attempts and password checks of user-interactive auth, per client IP address and per account.", 0.1, 10),
    message: Bucket("Sending events, per user (scheduling a delayed event counts as sending one).", 10, 50),
    delayed_event_management: Bucket(
      "Restarting, sending and cancelling delayed events (MSC4140): per user, or per delay_id when the request has no access token " +
        "(lk-jwt-service manages many users' events from one address, and behind a reverse proxy every client shares one). " +
        "Element Call restarts each participant's delayed leave every 4–5 s; Synapse's setting for Element Call is 1 per second, burst 20.",
      1,
      20,
    ),
  },
  { description: "Rate limits on abuse-prone endpoints (token buckets kept in memory).", default: {} },
);

export const GlobalConfigSchema = Type.Object({
  server_name: Str("The name of this server: the part after the colon in user ids. Cannot change once users exist.", { default: "localhost", minLength: 1 }),
  database_path: Str("A directory: the SQLite database file (bunduit.db) and media live inside it.", { default: "./data" }),
  database_backend: Type.Union([Type.Literal("sqlite"), Type.Literal("rocksdb")], {
    description: 'Only "sqlite" is supported; "rocksdb" (a Conduit option) is refused with a clear message.',
    default: "sqlite",
  }),
  address: Str("The address to listen on. Use 0.0.0.0 or :: behind a reverse proxy in a container.", { default: "127.0.0.1" }),
  port: Int("The port to listen on.", 6167, { minimum: 0, maximum: 65535 }),
  ip_source: Type.Union([Type.Literal("socket"), Type.Literal("x-forwarded-for"), Type.Literal("x-real-ip")], {
    description:
      'Where the client\'s IP address (for rate limits and devices\' last-seen IPs) comes from: "socket", the connection\'s peer; ' +
      'behind a reverse proxy, "x-forwarded-for" (its last entry, the one the proxy appended) or "x-real-ip". Set a header ' +
      "only when the proxy sets it and is the only way to reach the server: otherwise clients can claim any address.",
    default: "socket",
  }),
  max_request_size: Int("The largest request body accepted, in bytes.", 20_000_000, { minimum: 1024 }),
  allow_registration: Bool("Whether anyone may register an account (with registration_token set, only holders of the token).", false),
  registration_token: Type.Optional(Str("When set, registration needs this token (the m.login.registration_token stage).")),
  allow_guest_registration: Bool("Whether guests may register (kind=guest) with the spec's restricted access.", false),
  allow_federation: Bool("Whether to talk to other servers. Federation is not implemented yet; this must stay false.", false),
  trusted_servers: Strings("Servers trusted to vouch for other servers' keys (used once federation exists).", ["matrix.org"]),
  log: Str('Log level: "error", "warn", "info" or "debug". A Conduit-style filter such as "warn,state_res=info" uses its default level.', { default: "info" }),
  turn_uris: Strings("TURN URIs handed to clients (flat form; see [global.turn])."),
  turn_secret: Str("coturn's static-auth-secret (flat form).", { default: "" }),
  turn_username: Str("A static TURN username (flat form).", { default: "" }),
  turn_password: Str("A static TURN password (flat form).", { default: "" }),
  turn_ttl: Int("Lifetime of issued TURN credentials, in seconds (flat form).", 86400, { minimum: 1 }),
  turn_allow_guests: Bool("Whether guests may fetch TURN credentials.", false),
  turn: Type.Optional(TurnTable),
  well_known: WellKnown,
  matrix_rtc: MatrixRtc,
  app_service_config_files: Strings(
    "Application service registration YAML files, (re-)registered at every start; a bad file stops the start. `bunduit appservice register FILE` adds one without a restart.",
  ),
  appservices: Appservices,
  delayed_events: DelayedEvents,
  rate_limits: RateLimits,
  to_device: ToDevice,
  media: MediaTable,
  allow_local_presence: Bool(
    "Whether users share presence (online, idle, offline, status message) with the users they share a room with. When false, presence updates are accepted and ignored and everyone reads as offline. (The key of Conduit's successors.)",
    true,
  ),
  presence_idle_timeout_s: Int("Seconds without activity (sending events, setting presence online) after which an online user shows as idle (`unavailable`).", 300, { minimum: 1 }),
  presence_offline_timeout_s: Int("Seconds after a user's last /sync request ended after which they show as offline.", 120, { minimum: 1 }),
  shutdown_grace_seconds: Int("On SIGTERM or SIGINT, how long in-flight requests may take to finish before the server stops anyway.", 10, { minimum: 0 }),
  // Accounts
  refreshable_access_token_lifetime: Int(
    "Lifetime in milliseconds of access tokens issued to clients that support refresh tokens (`refresh_token: true` at login or registration). Other clients get tokens that do not expire.",
    300_000,
    { minimum: 1000 },
  ),
});

export type Config = Static<typeof GlobalConfigSchema>;

/** Every key whose value check-config must not print. */
export const SECRET_KEYS = new Set([
  "registration_token",
  "turn_secret",
  "turn_password",
  "turn.secret",
  "turn.password",
  "matrix_rtc.livekit_api_secret",
]);

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

export interface LoadedConfig {
  config: Readonly<Config>;
  warnings: string[];
}

/**
 * Parses conduit.toml text (its `[global]` table), overlays `CONDUIT_*` environment
 * variables, applies defaults and validates. Collects every problem before failing.
 */
export function loadConfig(text: string, env: Record<string, string | undefined> = {}, source = "conduit.toml"): LoadedConfig {
  let document: Record<string, unknown>;
  try {
    document = parseToml(text) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof TomlError) {
      throw new ConfigError([`${source}:${error.line}:${error.column}: TOML syntax error: ${error.message.split("\n")[0]}`]);
    }
    throw error;
  }
  const warnings: string[] = [];
  for (const key of Object.keys(document)) {
    if (key !== "global") warnings.push(`${source}: unknown table or key "${key}" ignored (settings live under [global])`);
  }
  const raw = document.global ?? {};
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new ConfigError([`${source}: "global" must be a table`]);
  const global = structuredClone(raw) as Record<string, unknown>;

  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith("CONDUIT_") || name === "CONDUIT_CONFIG" || value === undefined) continue;
    const path = envKeyPath(name.slice("CONDUIT_".length).toLowerCase());
    if (!path) {
      warnings.push(`environment: ${name} does not name a known key; ignored`);
      continue;
    }
    setPath(global, path, parseEnvValue(value));
  }

  warnings.push(...unknownKeys(GlobalConfigSchema, global, "global").map((k) => `${source}: unknown key "${k}" ignored`));
  const withDefaults = Value.Default(GlobalConfigSchema, Value.Clone(global));
  const problems = [...Value.Errors(GlobalConfigSchema, withDefaults)].map((e) => {
    const keyPath = e.path.slice(1).replace(/\//g, ".");
    const line = locateKey(text, keyPath);
    return `${line ? `${source}:${line}: ` : `${source}: `}[global] ${keyPath || "(root)"}: ${e.message}${describeValue(e.value)}`;
  });
  if (problems.length > 0) throw new ConfigError(dedupe(problems));
  const config = Value.Clean(GlobalConfigSchema, withDefaults) as Config;
  if (config.database_backend === "rocksdb") {
    throw new ConfigError([`${source}: [global] database_backend: "rocksdb" is not supported: bunduit only supports SQLite (use "sqlite")`]);
  }
  const badTransports = config.matrix_rtc.transports.flatMap((transport, i) =>
    transport.type === "livekit" && !isHttpUrl(transport.livekit_service_url)
      ? [`${source}: [global] matrix_rtc.transports.${i}: a "livekit" transport needs livekit_service_url, an http(s) URL${describeValue(transport.livekit_service_url)}`]
      : [],
  );
  if (badTransports.length > 0) throw new ConfigError(badTransports);
  if (config.registration_token !== undefined && !config.allow_registration) {
    warnings.push(`${source}: registration_token is set but allow_registration = false: registration stays closed`);
  }
  const liveKitProblems = checkLiveKitKeys(config.matrix_rtc, source);
  if (liveKitProblems.length > 0) throw new ConfigError(liveKitProblems);
  if (config.allow_federation) {
    warnings.push(`${source}: allow_federation = true has no effect yet: bunduit does not federate`);
  }
  return { config: deepFreeze(config), warnings };
}

const LIVEKIT_KEYS = ["livekit_url", "livekit_api_key", "livekit_api_secret"] as const;

/** The built-in LiveKit authorization service needs all three keys; half a setup is refused rather than ignored. */
function checkLiveKitKeys(rtc: Config["matrix_rtc"], source: string): string[] {
  const missing = LIVEKIT_KEYS.filter((key) => !rtc[key]);
  if (missing.length === LIVEKIT_KEYS.length) return [];
  const problems = missing.map((key) => `${source}: [global] matrix_rtc.${key}: needed with the other livekit_* keys (the built-in LiveKit authorization service uses all three)`);
  const url = rtc.livekit_url;
  if (url && !(URL.canParse(url) && ["ws:", "wss:", "http:", "https:"].includes(new URL(url).protocol))) {
    problems.push(`${source}: [global] matrix_rtc.livekit_url: must be a ws(s):// or http(s):// URL${describeValue(url)}`);
  }
  return problems;
}

function dedupe(lines: string[]): string[] {
  return [...new Set(lines)];
}

function isHttpUrl(value: string | undefined): boolean {
  if (!value || !URL.canParse(value)) return false;
  return ["http:", "https:"].includes(new URL(value).protocol);
}

function describeValue(value: unknown): string {
  return value === undefined ? "" : ` (got ${JSON.stringify(value)})`;
}

/** Maps CONDUIT_WELL_KNOWN_CLIENT or CONDUIT_WELL_KNOWN__CLIENT to ["well_known", "client"]. */
export function envKeyPath(key: string, schema: TObject = GlobalConfigSchema): string[] | undefined {
  const properties = schema.properties as Record<string, TSchema>;
  if (key.includes("__")) return key.split("__");
  if (key in properties) return [key];
  for (const [name, schema] of Object.entries(properties)) {
    if (schema.type === "object" && key.startsWith(`${name}_`)) {
      const rest = key.slice(name.length + 1);
      if (rest in ((schema as TObject).properties ?? {})) return [name, rest];
    }
  }
  return undefined;
}

/** Environment values are TOML values when they parse as one (numbers, booleans, arrays), else strings. */
function parseEnvValue(value: string): unknown {
  try {
    return (parseToml(`v = ${value}`) as { v: unknown }).v;
  } catch {
    return value;
  }
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== "object" || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

function unknownKeys(schema: TSchema, value: unknown, prefix: string): string[] {
  if (schema.type !== "object" || typeof value !== "object" || value === null || Array.isArray(value)) return [];
  const properties = (schema as TObject).properties ?? {};
  if (schema.additionalProperties === true || typeof schema.additionalProperties === "object") return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) => {
    const childSchema = (properties as Record<string, TSchema>)[key];
    const path = prefix === "global" ? key : `${prefix}.${key}`;
    if (!childSchema) return [path];
    return unknownKeys(childSchema, child, path);
  });
}

/** Finds the line of `a.b` (key b in table [global.a], or in an inline table) for error messages. */
function locateKey(text: string, keyPath: string): number | undefined {
  const parts = keyPath.split(".");
  const leaf = parts.pop();
  if (!leaf || /^\d+$/.test(leaf)) return parts.length ? locateKey(text, parts.join(".")) : undefined;
  const table = ["global", ...parts].join(".");
  let current = "";
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    const header = /^\[\s*([^\]]+?)\s*\]/.exec(line);
    if (header) current = header[1]!.replace(/\s/g, "");
    else if (current === table && new RegExp(`^"?${leaf}"?\\s*=`).test(line)) return i + 1;
  }
  return undefined;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** The effective configuration with every secret masked, as check-config prints it. */
export function maskSecrets(config: Config): Record<string, unknown> {
  const mask = (value: unknown, path: string): unknown => {
    if (SECRET_KEYS.has(path) || /(secret|password|token)$/.test(path)) {
      return typeof value === "string" && value !== "" ? "********" : value;
    }
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mask(v, path ? `${path}.${k}` : k)]));
    }
    return value;
  };
  return mask(config, "") as Record<string, unknown>;
}
