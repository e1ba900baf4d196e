/**
 * The domain services as the operator commands use them: on the database directly, with
 * nothing listening for room events (a running server's subscribers see them in sync).
 */
import { THUMBNAIL_WORKER_URL } from "../app.ts";
import type { Config } from "../config.ts";
import { systemClock } from "../core/clock.ts";
import { createServices } from "../core/services.ts";
import { createAppendedEvents } from "../core/timeline/appended-events.ts";
import { createLogger } from "../logger.ts";
import type { Stores } from "../storage/index.ts";

export function createOfflineServices(config: Readonly<Config>, stores: Stores) {
  const services = createServices(config, stores, createLogger("error"), systemClock, {
    thumbnailWorkerUrl: THUMBNAIL_WORKER_URL,
    appended: createAppendedEvents(() => {}),
    isJoinedMember: undefined,
    eventsByStreamPositions: undefined,
  });
  return { stores, services };
}
