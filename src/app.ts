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
import { notificationRoutes } from "./api/client/notifications.ts";
import { pushRuleRoutes } from "./api/client/push-rules.ts";
import { pusherRoutes } from "./api/client/pushers.ts";
import { rtcRoutes } from "./api/client/rtc.ts";
import { versionsRoutes } from "./api/client/versions.ts";
import { voipRoutes } from "./api/client/voip.ts";
import { openIdUserInfoRoutes } from "./api/federation/openid.ts";
import { keyServerRoutes } from "./api/key-server.ts";
import { wellKnownRoutes } from "./api/well-known.ts";
import type { Config } from "./config.ts";
import { systemClock, type Clock } from "./core/clock.ts";
import type { EventsByStreamPositions } from "./core/push/notifications.ts";
import { createServices } from "./core/services.ts";
import type { Logger } from "./logger.ts";
import { checkpointDatabase } from "./storage/database.ts";
import { openStores } from "./storage/index.ts";
import { VERSION } from "./version.ts";

/** Read notifications stay listed in /notifications this long (Synapse keeps 30 days too). */
const READ_NOTIFICATION_RETENTION_MS = 30 * 24 * 3_600_000;

export interface AppOptions {
  config: Readonly<Config>;
  db: Database;
  logger: Logger;
  clock?: Clock;
}

export function createApp({ config, db, logger, clock = systemClock }: AppOptions) {
  const stores = openStores(db);
  // Placeholder until the room engine (branch rooms) lands: without an event store,
  // /notifications has no events to show and returns an empty list.
  const eventsByStreamPositions: EventsByStreamPositions = () => new Map();
  const services = createServices(config, stores, logger, clock, { eventsByStreamPositions });
  const unstableFeatures = (): Record<string, boolean> => ({ ...services.matrixRtc.unstableFeatures() });

  const routes = new Elysia()
    .use(auth(services))
    .use(versionsRoutes(unstableFeatures))
    .use(wellKnownRoutes(config, () => services.matrixRtc.clientWellKnownFields()))
    .use(voipRoutes(services))
    .use(rtcRoutes(services))
    .use(openIdRoutes(services))
    .use(pushRuleRoutes(services))
    .use(pusherRoutes(services))
    .use(notificationRoutes(services))
    .use(openIdUserInfoRoutes(services.openId))
    .use(keyServerRoutes(services.identity));

  const app = new Elysia({ normalize: true })
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

  /** Periodic work kept off the request path; main.ts starts it, tests may call it directly. */
  function startBackgroundTasks(): () => void {
    const timers = [
      setInterval(() => services.sessions.flushLastSeen(), 30_000),
      setInterval(() => checkpointDatabase(db), 60_000),
      setInterval(() => services.notifications.pruneReadNotifications(clock.now() - READ_NOTIFICATION_RETENTION_MS), 3_600_000),
    ];
    return () => timers.forEach(clearInterval);
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
