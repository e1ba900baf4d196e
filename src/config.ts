/**
 * The one schema of conduit.toml and its loader. The schema is the single source for
 * validation, `bunduit check-config` and docs/configuration.md. Conduit's keys keep
 * Conduit's meaning so that a Conduit operator's file works unchanged.
 */
import { Type, type Static, type TSchema, type TObject } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { parse as parseToml, TomlError } from "smol-toml";
import { IdentifierError, parseServerName } from "./matrix/ids.ts";
import {
  Appservices,
  Bool,
  DelayedEvents,
  Int,
  Maintenance,
  MatrixRtc,
  MediaTable,
  RateLimits,
  Str,
  Strings,
  ToDevice,
  TurnTable,
  WellKnown,
} from "./config-sections.ts";

export const GlobalConfigSchema = Type.Object({
  server_name: Str(
    "The name of this server: the part after the colon in user ids. Cannot change once users exist. A host name, an IPv4 address or a [bracketed] IPv6 address, with an optional :port (the spec's server-name grammar).",
    { default: "localhost", minLength: 1 },
  ),
  database_path: Str("A directory: the SQLite database file (bunduit.db) and media live inside it.", {
    default: "./data",
    minLength: 1,
  }),
  database_backend: Type.Union([Type.Literal("sqlite"), Type.Literal("rocksdb")], {
    description: 'Only "sqlite" is supported; "rocksdb" (a Conduit option) is refused with a clear message.',
    default: "sqlite",
  }),
  address: Str("The address to listen on. Use 0.0.0.0 or :: behind a reverse proxy in a container.", {
    default: "127.0.0.1",
  }),
  port: Int("The port to listen on.", 6167, { minimum: 0, maximum: 65535 }),
  ip_source: Type.Union([Type.Literal("socket"), Type.Literal("x-forwarded-for"), Type.Literal("x-real-ip")], {
    description:
      "Where the client's IP address (for rate limits and devices' last-seen IPs) comes from: \"socket\", the connection's peer; " +
      'behind a reverse proxy, "x-forwarded-for" (its last entry, the one the proxy appended) or "x-real-ip". Set a header ' +
      "only when the proxy sets it and is the only way to reach the server: otherwise clients can claim any address.",
    default: "socket",
  }),
  max_request_size: Int("The largest request body accepted, in bytes.", 20_000_000, { minimum: 1024 }),
  allow_registration: Bool(
    "Whether anyone may register an account (with registration_token set, only holders of the token).",
    false,
  ),
  registration_token: Type.Optional(
    Str(
      "When set, registration needs this token (the m.login.registration_token stage). An empty token is refused: it would match anyone's empty token.",
    ),
  ),
  allow_guest_registration: Bool("Whether guests may register (kind=guest) with the spec's restricted access.", false),
  allow_federation: Bool(
    "Whether to talk to other servers. Federation is not implemented yet; this must stay false.",
    false,
  ),
  trusted_servers: Strings("Servers trusted to vouch for other servers' keys (used once federation exists).", [
    "matrix.org",
  ]),
  log: Str(
    'Log level: "error", "warn", "info" or "debug". A Conduit-style filter such as "warn,state_res=info" uses its default level.',
    { default: "info" },
  ),
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
  maintenance: Maintenance,
  allow_local_presence: Bool(
    "Whether users share presence (online, idle, offline, status message) with the users they share a room with. When false, presence updates are accepted and ignored and everyone reads as offline. (The key of Conduit's successors.)",
    true,
  ),
  presence_idle_timeout_s: Int(
    "Seconds without activity (sending events, setting presence online) after which an online user shows as idle (`unavailable`).",
    300,
    { minimum: 1 },
  ),
  presence_offline_timeout_s: Int(
    "Seconds after a user's last /sync request ended after which they show as offline.",
    120,
    { minimum: 1 },
  ),
  shutdown_grace_seconds: Int(
    "On SIGTERM or SIGINT, how long in-flight requests may take to finish before the server stops anyway.",
    10,
    { minimum: 0 },
  ),
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
 * Empty text means "no file": the built-in defaults (and the environment).
 */
export function loadConfig(
  text: string,
  env: Record<string, string | undefined> = {},
  source = "conduit.toml",
): LoadedConfig {
  let document: Record<string, unknown>;
  try {
    document = parseToml(text) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof TomlError) {
      throw new ConfigError([
        `${source}:${error.line}:${error.column}: TOML syntax error: ${error.message.split("\n")[0]}`,
      ]);
    }
    throw error;
  }
  // Conduit reads only [global] too, and then fails for want of server_name; running on
  // defaults instead would hide that the operator's settings were all ignored.
  if (!("global" in document) && text.trim() !== "") {
    throw new ConfigError([
      `${source}: no [global] table: every setting must be under a "[global]" line (Conduit's format), so nothing in this file would apply. Add "[global]" above the settings.`,
    ]);
  }
  const warnings: string[] = [];
  for (const key of Object.keys(document)) {
    if (key !== "global")
      warnings.push(`${source}: unknown table or key "${key}" ignored (settings live under [global])`);
  }
  const raw = document.global ?? {};
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new ConfigError([`${source}: "global" must be a table`]);
  const global = structuredClone(raw) as Record<string, unknown>;

  /** Key path ("port", "turn.secret") → the variable that set it, so that problems blame the variable. */
  const fromEnv = new Map<string, string>();
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith("CONDUIT_") || name === "CONDUIT_CONFIG" || value === undefined) continue;
    const path = envKeyPath(name.slice("CONDUIT_".length).toLowerCase());
    if (!path) {
      warnings.push(`environment: ${name} does not name a known key; ignored`);
      continue;
    }
    setPath(global, path, parseEnvValue(value));
    fromEnv.set(path.join("."), `${name}=${JSON.stringify(value)}`);
  }
  /** Where a key's value came from: the environment variable, or the file (and line). */
  const origin = (keyPath: string): string => {
    for (const [path, variable] of fromEnv) {
      if (keyPath === path || keyPath.startsWith(`${path}.`)) return `environment variable ${variable}: `;
    }
    const line = locateKey(text, keyPath);
    return line ? `${source}:${line}: ` : `${source}: `;
  };

  warnings.push(
    ...unknownKeys(GlobalConfigSchema, global, "global").map((k) => `${source}: unknown key "${k}" ignored`),
  );
  const withDefaults = Value.Default(GlobalConfigSchema, Value.Clone(global));
  const problems = [...Value.Errors(GlobalConfigSchema, withDefaults)].map((e) => {
    const keyPath = e.path.slice(1).replace(/\//g, ".");
    return `${origin(keyPath)}[global] ${keyPath || "(root)"}: ${e.message}${describeValue(e.value)}`;
  });
  problems.push(...checkIdentityKeys(withDefaults as Partial<Config>, origin));
  if (problems.length > 0) throw new ConfigError(dedupe(problems));
  const config = Value.Clean(GlobalConfigSchema, withDefaults) as Config;
  if (config.database_backend === "rocksdb") {
    throw new ConfigError([
      `${origin("database_backend")}[global] database_backend: "rocksdb" is not supported: bunduit only supports SQLite (use "sqlite")`,
    ]);
  }
  const badTransports = config.matrix_rtc.transports.flatMap((transport, i) =>
    transport.type === "livekit" && !isHttpUrl(transport.livekit_service_url)
      ? [
          `${origin(`matrix_rtc.transports.${i}`)}[global] matrix_rtc.transports.${i}: a "livekit" transport needs livekit_service_url, an http(s) URL${describeValue(transport.livekit_service_url)}`,
        ]
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

/**
 * The keys whose bad value would start a server that then fails every registration
 * (server_name) or lets anyone in (an empty registration_token, which matches `"token": ""`).
 */
function checkIdentityKeys(config: Partial<Config>, origin: (keyPath: string) => string): string[] {
  const problems: string[] = [];
  try {
    // A non-string or empty value is the schema's to report.
    if (typeof config.server_name === "string" && config.server_name !== "") parseServerName(config.server_name);
  } catch (error) {
    if (!(error instanceof IdentifierError)) throw error;
    problems.push(
      `${origin("server_name")}[global] server_name: ${error.reason}. ` +
        `It must be a host name (matrix.example.org), an IPv4 address or a [bracketed] IPv6 address, with an optional :port (the spec's server-name grammar)`,
    );
  }
  if (typeof config.registration_token === "string" && config.registration_token.trim() === "") {
    problems.push(
      `${origin("registration_token")}[global] registration_token is empty, which would let anyone register with an empty token. ` +
        `Set a long random token (e.g. the output of \`openssl rand -hex 32\`), or remove the key (then allow_registration alone decides, and true opens registration to anyone)`,
    );
  }
  return problems;
}

const LIVEKIT_KEYS = ["livekit_url", "livekit_api_key", "livekit_api_secret"] as const;

/** The built-in LiveKit authorization service needs all three keys; half a setup is refused rather than ignored. */
function checkLiveKitKeys(rtc: Config["matrix_rtc"], source: string): string[] {
  const missing = LIVEKIT_KEYS.filter((key) => !rtc[key]);
  if (missing.length === LIVEKIT_KEYS.length) return [];
  const problems = missing.map(
    (key) =>
      `${source}: [global] matrix_rtc.${key}: needed with the other livekit_* keys (the built-in LiveKit authorization service uses all three)`,
  );
  const url = rtc.livekit_url;
  if (url && !(URL.canParse(url) && ["ws:", "wss:", "http:", "https:"].includes(new URL(url).protocol))) {
    problems.push(
      `${source}: [global] matrix_rtc.livekit_url: must be a ws(s):// or http(s):// URL${describeValue(url)}`,
    );
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
