/**
 * The domain services as the operator commands use them: on the database directly, with
 * no long-polls to wake and no deliveries started (a running server's sync and appservice
 * queue read what they committed).
 */
import { THUMBNAIL_WORKER_URL } from "../app.ts";
import type { Config } from "../config.ts";
import { systemClock } from "../core/clock.ts";
import { createServices } from "../core/services.ts";
import { createLogger } from "../logger.ts";
import type { Stores } from "../storage/index.ts";

export function createOfflineServices(config: Readonly<Config>, stores: Stores) {
  const services = createServices(config, stores, createLogger("error"), systemClock, {
    thumbnailWorkerUrl: THUMBNAIL_WORKER_URL,
  });
  return { stores, services };
}
