/**
 * The composition root: storage → core → api, in one place. main.ts and the tests both
 * build the server through createApp.
 */
import { Elysia } from "elysia";
import { openApiRoutes } from "./api/openapi.ts";
import { auth } from "./api/plugins/auth.ts";
import { httpEdge } from "./api/plugins/http-edge.ts";
import { matrixErrors } from "./api/plugins/matrix-errors.ts";
import { keepValidationMessagesShort } from "./api/plugins/validation-messages.ts";
import { aliasRoutes } from "./api/client/aliases.ts";
import { directoryRoutes } from "./api/client/directory.ts";
import { membershipRoutes } from "./api/client/membership.ts";
import { delayedEventRoutes } from "./api/client/delayed-events.ts";
import { reportRoutes } from "./api/client/reports.ts";
import { roomSummaryRoutes } from "./api/client/room-summary.ts";
import { roomUpgradeRoutes } from "./api/client/room-upgrades.ts";
import { messagesRoutes } from "./api/client/messages.ts";
import { redactionRoutes } from "./api/client/redaction.ts";
import { relationsRoutes } from "./api/client/relations.ts";
import { roomsRoutes } from "./api/client/rooms.ts";
import { stateRoutes } from "./api/client/state.ts";
import { presenceRoutes } from "./api/client/presence.ts";
import { receiptRoutes } from "./api/client/receipts.ts";
import { syncRoutes } from "./api/client/sync.ts";
import { typingRoutes } from "./api/client/typing.ts";
import { openIdRoutes } from "./api/client/openid.ts";
import { rtcRoutes } from "./api/client/rtc.ts";
import { crossSigningRoutes } from "./api/client/cross-signing.ts";
import { keyBackupRoutes } from "./api/client/key-backup.ts";
import { keysRoutes } from "./api/client/keys.ts";
import { toDeviceRoutes } from "./api/client/to-device.ts";
import { accountDataRoutes } from "./api/client/account-data.ts";
import { appservicePingRoutes } from "./api/client/appservice-ping.ts";
import { thirdPartyLookupRoutes } from "./api/client/third-party-lookup.ts";
import { accountRoutes } from "./api/client/account.ts";
import { capabilityRoutes } from "./api/client/capabilities.ts";
import { deviceRoutes } from "./api/client/devices.ts";
import { filterRoutes } from "./api/client/filters.ts";
import { loginRoutes } from "./api/client/login.ts";
import { profileRoutes } from "./api/client/profile.ts";
import { notificationRoutes } from "./api/client/notifications.ts";
import { pushRuleRoutes } from "./api/client/push-rules.ts";
import { pusherRoutes } from "./api/client/pushers.ts";
import { registerRoutes } from "./api/client/register.ts";
import { tagRoutes } from "./api/client/tags.ts";
import { thirdPartyIdRoutes } from "./api/client/third-party-ids.ts";
import { userDirectoryRoutes } from "./api/client/user-directory.ts";
import { mediaRoutes } from "./api/client/media.ts";
import { versionsRoutes } from "./api/client/versions.ts";
import { voipRoutes } from "./api/client/voip.ts";
import { openIdUserInfoRoutes } from "./api/federation/openid.ts";
import { keyServerRoutes } from "./api/key-server.ts";
import { contentRepoRoutes, isMediaUploadPath } from "./api/media/content-repo.ts";
import { liveKitJwtRoutes } from "./api/livekit-jwt.ts";
import { wellKnownRoutes } from "./api/well-known.ts";
import type { Config } from "./config.ts";
import { describeError, runBackgroundTasks, type BackgroundTask } from "./core/background-tasks.ts";
import { systemClock, type Clock } from "./core/clock.ts";
import { createServices } from "./core/services.ts";
import type { Logger } from "./logger.ts";
import { checkpointDatabase, type DatabaseHandle } from "./storage/database.ts";
import { openStores } from "./storage/index.ts";
import { VERSION } from "./version.ts";

// Beside app.ts, as main.ts is: the same relative path works from source and inside the
// compiled binary, where the worker is a second entry point (package.json "build").
export const THUMBNAIL_WORKER_URL = new URL("./core/media/thumbnail-worker.ts", import.meta.url).href;

/** Upload temp files untouched this long are left by a crash mid-upload (live uploads keep writing). */
const TEMPORARY_FILE_MAX_AGE_MS = 60 * 60_000;

/** Read notifications stay listed in /notifications this long (Synapse keeps 30 days too). */
const READ_NOTIFICATION_RETENTION_MS = 30 * 24 * 3_600_000;

export interface AppOptions {
  config: Readonly<Config>;
  db: DatabaseHandle;
  logger: Logger;
  clock?: Clock;
}

export function createApp({ config, db, logger, clock = systemClock }: AppOptions) {
  const stores = openStores(db);
  const services = createServices(config, stores, logger, clock, { thumbnailWorkerUrl: THUMBNAIL_WORKER_URL });
  // A bad registration file stops the start (RegistrationError), before anything listens.
  services.appservices.registrations.loadConfigFiles(config.app_service_config_files);
  // im.nheko.summary: room summaries (MSC3266) at their unstable paths too, as Synapse advertises.
  const unstableFeatures = (): Record<string, boolean> => ({
    ...services.matrixRtc.unstableFeatures(),
    ...services.appservices.unstableFeatures(),
    ...services.delayedEvents.unstableFeatures(),
    "im.nheko.summary": true,
    // Private read receipts (MSC2285), threaded receipts (MSC3771) and per-thread unread counts (MSC3773).
    "org.matrix.msc2285.stable": true,
    "org.matrix.msc3771": true,
    "org.matrix.msc3773": true,
  });
  // Delayed events that fell due while the server was down go out now; then one timer runs.
  services.delayedEvents.start();

  const routes = new Elysia()
    .use(auth(services))
    .use(versionsRoutes(unstableFeatures))
    .use(wellKnownRoutes(config, (baseUrl) => services.matrixRtc.clientWellKnownFields(baseUrl)))
    .use(voipRoutes(services))
    .use(rtcRoutes(services))
    .use(openIdRoutes(services))
    .use(openIdUserInfoRoutes(services.openId))
    .use(keyServerRoutes(services.identity))
    .use(toDeviceRoutes(services))
    .use(keysRoutes(services))
    .use(crossSigningRoutes(services))
    .use(keyBackupRoutes(services))
    .use(registerRoutes(services))
    .use(loginRoutes(services))
    .use(accountRoutes(services))
    .use(thirdPartyIdRoutes(services))
    .use(deviceRoutes(services))
    .use(profileRoutes(services))
    .use(accountDataRoutes(services))
    .use(tagRoutes(services))
    .use(filterRoutes(services))
    .use(capabilityRoutes(services))
    .use(pushRuleRoutes(services))
    .use(pusherRoutes(services))
    .use(notificationRoutes(services))
    .use(userDirectoryRoutes(services))
    .use(mediaRoutes(services))
    .use(contentRepoRoutes(services))
    .use(liveKitJwtRoutes(services.liveKit))
    .use(roomsRoutes(services))
    .use(membershipRoutes(services))
    .use(messagesRoutes(services))
    .use(stateRoutes(services))
    .use(delayedEventRoutes(services))
    .use(redactionRoutes(services))
    .use(aliasRoutes(services))
    .use(directoryRoutes(services))
    .use(roomSummaryRoutes(services))
    .use(roomUpgradeRoutes(services))
    .use(reportRoutes(services))
    .use(appservicePingRoutes(services))
    .use(thirdPartyLookupRoutes(services))
    .use(relationsRoutes(services))
    .use(syncRoutes(services))
    .use(typingRoutes(services))
    .use(receiptRoutes(services))
    .use(presenceRoutes(services));

  // "typebox": Elysia's default (exactMirror) cleans before it validates and turns a string where
  // a record is expected into {"0": …}; TypeBox's Clean leaves wrong types for Check to refuse.
  const app = new Elysia({ normalize: "typebox" })
    .use(
      httpEdge(config.max_request_size, logger, {
        isUploadPath: isMediaUploadPath,
        maxUploadSize: config.media.max_upload_size,
      }),
    )
    .use(matrixErrors(logger, (path) => allowedMethods(path)))
    .use(routes)
    .use(openApiRoutes(() => routes.routes, VERSION));
  keepValidationMessagesShort(app);

  const matchers = app.routes
    .filter((r) => r.method !== "OPTIONS")
    .map((r) => ({ method: r.method, pattern: pathPattern(r.path) }));
  function allowedMethods(path: string): string[] {
    return [...new Set(matchers.filter((m) => m.pattern.test(path)).map((m) => m.method))];
  }

  /**
   * Periodic work kept off the request path, every task in this one list (intervals from
   * [global.maintenance]), each run guarded by core/background-tasks.ts: a failure is
   * logged with the task's name and the task runs again at its next interval. Also starts
   * delivery to application services. main.ts calls it, tests may. The returned stop
   * resolves when requests to appservices in flight have finished.
   */
  function startBackgroundTasks(): () => Promise<void> {
    const every = config.maintenance;
    const tasks: BackgroundTask[] = [
      {
        name: "last-seen-flush",
        intervalMs: every.last_seen_flush_interval_ms,
        run: () => services.sessions.flushLastSeen(),
      },
      { name: "wal-checkpoint", intervalMs: every.checkpoint_interval_ms, run: () => checkpoint() },
      { name: "presence-sweep", intervalMs: every.presence_sweep_interval_ms, run: () => services.presence.sweep() },
      { name: "to-device-expiry", intervalMs: every.pruning_interval_ms, run: () => services.toDevice.expire() },
      {
        name: "read-notification-pruning",
        intervalMs: every.pruning_interval_ms,
        run: () => services.pushNotifications.pruneReadNotifications(clock.now() - READ_NOTIFICATION_RETENTION_MS),
      },
      {
        name: "delayed-event-pruning",
        intervalMs: every.pruning_interval_ms,
        run: () => services.delayedEvents.pruneFinalised(),
      },
      {
        name: "pending-media-expiry",
        intervalMs: every.pending_media_expiry_interval_ms,
        run: () => services.mediaRetention.expirePending(),
      },
      {
        name: "temporary-file-sweep",
        intervalMs: every.temporary_file_sweep_interval_ms,
        run: () => services.mediaFiles.sweepTemporaryFiles(TEMPORARY_FILE_MAX_AGE_MS),
        atStart: true,
      },
      // Registrations changed by the CLI in another process (docs/appservices.md#changes-without-a-restart).
      {
        name: "appservice-registration-poll",
        intervalMs: config.appservices.poll_interval_ms,
        run: () => services.appservices.pollRegistrations(),
      },
    ];
    const stopTasks = runBackgroundTasks(tasks, logger);
    services.appservices.start();
    return () => {
      stopTasks();
      return services.appservices.stop();
    };
  }

  /** Between write batches, never inside one (storage/index.ts); a checkpoint kept from finishing catches up next time. */
  async function checkpoint(): Promise<void> {
    const result = await stores.checkpoint();
    logger.debug("WAL checkpoint", { ...result });
    if (result.busy)
      logger.warn("the WAL checkpoint could not finish: another connection is using the database", { ...result });
  }

  /** Answers every parked /sync long-poll now and any new one at once: the first step of stopping. */
  function closeLongPolls(): void {
    services.syncNotifier.close();
  }

  /** Flushes what is kept in memory and checkpoints the WAL; the caller closes the database. */
  function shutdown(): void {
    closeLongPolls();
    services.delayedEvents.stop();
    services.liveKit.close();
    stores.groupCommit.commitNow();
    services.sessions.flushLastSeen();
    services.thumbnailer.close();
    // The batch is committed above, so no transaction is open. A failure here loses nothing:
    // the WAL stays beside the database and the next start reads it.
    try {
      checkpointDatabase(db, "TRUNCATE");
    } catch (error) {
      logger.warn("the shutdown checkpoint failed; the WAL is kept and read at the next start", {
        error: describeError(error),
      });
    }
  }

  return { app, services, stores, startBackgroundTasks, closeLongPolls, shutdown };
}

/** `/rooms/:roomId/*` → a regex matching concrete paths, for the 405 check. */
function pathPattern(path: string): RegExp {
  const source = path
    .split("/")
    .map((segment) =>
      segment.startsWith(":") ? "[^/]+" : segment === "*" ? ".*" : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
    )
    .join("/");
  return new RegExp(`^${source}$`);
}

export type App = ReturnType<typeof createApp>;
