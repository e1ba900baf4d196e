/**
 * The composition root: storage → core → api, in one place. main.ts and the tests both
 * build the server through createApp.
 */
import type { Database } from "bun:sqlite";
import { Elysia } from "elysia";
import { openApiRoutes } from "./api/openapi.ts";
import { auth } from "./api/plugins/auth.ts";
import { httpEdge } from "./api/plugins/http-edge.ts";
import { matrixErrors } from "./api/plugins/matrix-errors.ts";
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
import { pushRuleRoutes } from "./api/client/push-rules.ts";
import { registerRoutes } from "./api/client/register.ts";
import { tagRoutes } from "./api/client/tags.ts";
import { thirdPartyIdRoutes } from "./api/client/third-party-ids.ts";
import { userDirectoryRoutes } from "./api/client/user-directory.ts";
import { versionsRoutes } from "./api/client/versions.ts";
import { voipRoutes } from "./api/client/voip.ts";
import { openIdUserInfoRoutes } from "./api/federation/openid.ts";
import { keyServerRoutes } from "./api/key-server.ts";
import { wellKnownRoutes } from "./api/well-known.ts";
import type { Config } from "./config.ts";
import { systemClock, type Clock } from "./core/clock.ts";
import { createServices } from "./core/services.ts";
import type { Logger } from "./logger.ts";
import { checkpointDatabase } from "./storage/database.ts";
import { openStores } from "./storage/index.ts";
import { VERSION } from "./version.ts";

export interface AppOptions {
  config: Readonly<Config>;
  db: Database;
  logger: Logger;
  clock?: Clock;
}

export function createApp({ config, db, logger, clock = systemClock }: AppOptions) {
  const stores = openStores(db);
  const services = createServices(config, stores, logger, clock);
  // A bad registration file stops the start (RegistrationError), before anything listens.
  services.appservices.registrations.loadConfigFiles(config.app_service_config_files);
  const unstableFeatures = (): Record<string, boolean> => ({ ...services.matrixRtc.unstableFeatures(), ...services.appservices.unstableFeatures() });

  const routes = new Elysia()
    .use(auth(services))
    .use(versionsRoutes(unstableFeatures))
    .use(wellKnownRoutes(config, () => services.matrixRtc.clientWellKnownFields()))
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
    .use(userDirectoryRoutes(services))
    .use(appservicePingRoutes(services))
    .use(thirdPartyLookupRoutes(services));

  // "typebox": Elysia's default (exactMirror) cleans before it validates and turns a string where
  // a record is expected into {"0": …}; TypeBox's Clean leaves wrong types for Check to refuse.
  const app = new Elysia({ normalize: "typebox" })
    .use(httpEdge(config.max_request_size, logger))
    .use(matrixErrors(logger, (path) => allowedMethods(path)))
    .use(routes)
    .use(openApiRoutes(() => routes.routes, VERSION));

  const matchers = app.routes
    .filter((r) => r.method !== "OPTIONS")
    .map((r) => ({ method: r.method, pattern: pathPattern(r.path) }));
  function allowedMethods(path: string): string[] {
    return [...new Set(matchers.filter((m) => m.pattern.test(path)).map((m) => m.method))];
  }

  /**
   * Periodic work kept off the request path, and delivery to application services; main.ts
   * starts it, tests may call it directly. The returned stop resolves when requests to
   * appservices in flight have finished.
   */
  function startBackgroundTasks(): () => Promise<void> {
    const timers = [
      setInterval(() => services.sessions.flushLastSeen(), 30_000),
      setInterval(() => checkpointDatabase(db), 60_000),
      setInterval(() => services.toDevice.expire(), 3_600_000),
    ];
    services.appservices.start();
    return () => {
      timers.forEach(clearInterval);
      return services.appservices.stop();
    };
  }

  /** Flushes what is kept in memory and checkpoints the WAL; the caller closes the database. */
  function shutdown(): void {
    services.sessions.flushLastSeen();
    checkpointDatabase(db, "TRUNCATE");
  }

  return { app, services, stores, startBackgroundTasks, shutdown };
}

/** `/rooms/:roomId/*` → a regex matching concrete paths, for the 405 check. */
function pathPattern(path: string): RegExp {
  const source = path
    .split("/")
    .map((segment) => (segment.startsWith(":") ? "[^/]+" : segment === "*" ? ".*" : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("/");
  return new RegExp(`^${source}$`);
}

export type App = ReturnType<typeof createApp>;
