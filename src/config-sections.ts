/**
 * The tables of conduit.toml's [global] section, one per feature, and the small schema
 * constructors every key uses (each key has a default and a one-line description, which
 * docs/configuration.md is generated from). config.ts assembles them and loads the file.
 */
import { Type } from "@sinclair/typebox";

export const Str = (description: string, options: Record<string, unknown> = {}) =>
  Type.String({ description, ...options });
export const Bool = (description: string, value: boolean) => Type.Boolean({ description, default: value });
export const Int = (description: string, value: number, options: Record<string, unknown> = {}) =>
  Type.Integer({ description, default: value, ...options });
export const Strings = (description: string, value: string[] = []) =>
  Type.Array(Type.String(), { description, default: value });

export const TurnTable = Type.Object(
  {
    uris: Strings("TURN URIs handed to clients, e.g. `turn:turn.example.org?transport=udp`."),
    secret: Str("coturn's `static-auth-secret`; clients get time-limited credentials derived from it.", {
      default: "",
    }),
    username: Str("A static TURN username (used when no secret is set).", { default: "" }),
    password: Str("A static TURN password (used when no secret is set).", { default: "" }),
    ttl: Int("Lifetime of issued TURN credentials, in seconds.", 86400, { minimum: 1 }),
  },
  { description: "Conduit's newer table form of the TURN settings; it takes precedence over the flat `turn_*` keys." },
);

export const WellKnown = Type.Object(
  {
    client: Type.Optional(
      Str("`m.homeserver.base_url` in /.well-known/matrix/client. Default: the URL the request came in on."),
    ),
    server: Type.Optional(
      Str(
        "`m.server` in /.well-known/matrix/server, e.g. `matrix.example.org:443`. Default: server_name:443 when unset.",
      ),
    ),
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
      Str(
        "For type livekit: the MatrixRTC authorization service (lk-jwt-service) clients post their OpenID token to, e.g. `https://matrix.example.org/livekit/jwt`.",
      ),
    ),
  },
  // MSC4143 transports are open objects; fields we do not know are handed to clients as written.
  { additionalProperties: Type.Unknown() },
);

export const MatrixRtc = Type.Object(
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
    livekit_api_key: Type.Optional(
      Str("A LiveKit API key: a key under `keys:` in LiveKit's livekit.yaml (and its `webhook.api_key`)."),
    ),
    livekit_api_secret: Type.Optional(
      Str("The secret of livekit_api_key in livekit.yaml `keys:`; it signs the tokens bunduit hands out."),
    ),
  },
  {
    description:
      "Element Call (MatrixRTC): the LiveKit transports this server offers its users, and its built-in LiveKit authorization service.",
    default: {},
  },
);

export const ToDevice = Type.Object(
  {
    max_messages_per_device: Int(
      "The most to-device messages kept for one device that has not fetched them. Past it the oldest are dropped, so a device that never syncs cannot grow the queue without bound.",
      10_000,
      { minimum: 100 },
    ),
    message_lifetime_days: Int("To-device messages a device has not fetched after this many days are deleted.", 30, {
      minimum: 1,
    }),
  },
  { description: "Limits of the to-device inbox (docs/encryption.md).", default: {} },
);

export const Appservices = Type.Object(
  {
    transaction_batch_size: Int(
      "The most events, ephemeral events and to-device messages put into one transaction pushed to an application service.",
      100,
      {
        minimum: 1,
        maximum: 1000,
      },
    ),
    retry_min_ms: Int(
      "After a failed transaction, the first retry waits this long; each further failure doubles the wait.",
      1000,
      { minimum: 10 },
    ),
    retry_max_ms: Int("The longest wait between retries of a failed transaction (retries never stop).", 300_000, {
      minimum: 10,
    }),
    request_timeout_ms: Int(
      "How long a request to an application service (transaction, user or alias query, ping, third-party lookup) may take.",
      30_000,
      {
        minimum: 100,
      },
    ),
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
      per_second: Type.Number({
        description: "Requests per second allowed on average (the bucket refills at this rate).",
        default: perSecond,
        exclusiveMinimum: 0,
      }),
      burst: Int("Requests allowed in a burst (the bucket's size).", burst, { minimum: 1 }),
    },
    { description, default: {} },
  );

/** RFC 3339 date or date-time as a quoted string; TOML's unquoted dates arrive as Date objects. */
const DateValue = (description: string) =>
  Type.Union(
    [
      Type.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})?)?$" }),
      Type.Date(),
    ],
    { description },
  );

export const MediaTable = Type.Object(
  {
    path: Type.Optional(Str("The directory media files live in (Conduit's key). Default: `<database_path>/media`.")),
    max_upload_size: Int(
      "The largest upload accepted, in bytes; clients see it as `m.upload.size`. JSON requests stay limited by max_request_size.",
      104_857_600,
      { minimum: 1 },
    ),
    max_pending_uploads: Int(
      "How many media ids from POST /_matrix/media/v1/create a user may have waiting for their content at once.",
      5,
      { minimum: 1 },
    ),
    unused_expiry_seconds: Int(
      "How long a media id from POST /_matrix/media/v1/create waits for its content before it expires.",
      86400,
      { minimum: 1 },
    ),
    max_download_wait_ms: Int(
      "The longest a download waits for content that is not uploaded yet, whatever `timeout_ms` the client asks for.",
      60_000,
      { minimum: 0 },
    ),
    max_image_pixels: Int(
      "Images with more pixels (width × height) than this are not decoded for thumbnails: 413 M_TOO_LARGE. Decoding needs about 4 bytes per pixel, three times over.",
      32_000_000,
      { minimum: 1 },
    ),
    unauthenticated_cutoff: Type.Optional(
      DateValue(
        "Media uploaded before this date (e.g. 2025-01-01 or 2025-01-01T00:00:00Z) stays downloadable through the deprecated unauthenticated /_matrix/media/v3/download and /thumbnail endpoints. Unset: those endpoints serve no media at all (the spec's freeze); /_matrix/client/v1/media serves everything.",
      ),
    ),
  },
  { description: "The media repository: uploads, downloads and thumbnails.", default: {} },
);

export const DelayedEvents = Type.Object(
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
      'Delayed events (MSC4140): events a client schedules to be sent later, and keeps postponing. Element Call schedules each participant\'s "leave" this way, so that a crashed client leaves the call within seconds (docs/element-call.md).',
    default: {},
  },
);

export const RateLimits = Type.Object(
  {
    enabled: Bool("Set to false to switch every rate limit off (tests, trusted deployments).", true),
    registration: Bucket(
      "Accounts created through POST /register, per client IP address (a request over the limit is refused before any work).",
      0.17,
      3,
    ),
    login: Bucket(
      "POST /login attempts and password checks of user-interactive auth, per client IP address and per account.",
      0.1,
      10,
    ),
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

export const Maintenance = Type.Object(
  {
    checkpoint_interval_ms: Int(
      "How often the write-ahead log is copied back into bunduit.db (a PASSIVE checkpoint, run between write batches). Longer: fewer pauses, a larger WAL and more recent commits an OS crash can lose.",
      60_000,
      { minimum: 100 },
    ),
    last_seen_flush_interval_ms: Int(
      "How often devices' last-seen times and IP addresses, kept in memory, are written to the database.",
      30_000,
      { minimum: 100 },
    ),
    presence_sweep_interval_ms: Int(
      "How often users who went quiet are turned idle or offline (the timeouts are presence_idle_timeout_s and presence_offline_timeout_s).",
      10_000,
      {
        minimum: 100,
      },
    ),
    pruning_interval_ms: Int(
      "How often expired to-device messages, read notifications older than 30 days and finalised delayed events are deleted.",
      3_600_000,
      { minimum: 100 },
    ),
    pending_media_expiry_interval_ms: Int(
      "How often media ids that waited too long for their content (media.unused_expiry_seconds) are expired.",
      600_000,
      {
        minimum: 100,
      },
    ),
    temporary_file_sweep_interval_ms: Int(
      "How often upload temp files untouched for an hour (left by a crash mid-upload) are deleted; also done at start.",
      3_600_000,
      {
        minimum: 100,
      },
    ),
  },
  {
    description:
      "Periodic work off the request path. A run that fails is logged with the task's name and tried again at its next interval (docs/architecture.md#durability).",
    default: {},
  },
);
