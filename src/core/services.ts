/** The domain services, built from the config and the stores; app.ts hands them to the API. */
import type { Config } from "../config.ts";
import type { Logger } from "../logger.ts";
import type { Stores } from "../storage/index.ts";
import type { Clock } from "./clock.ts";
import { createMediaFiles, mediaDirectory } from "./media/media-files.ts";
import { createMediaRepo } from "./media/media-repo.ts";
import { createMediaRetention } from "./media/retention.ts";
import { createThumbnailer } from "./media/thumbnailer.ts";
import { createThumbnails } from "./media/thumbnails.ts";
import { createServerIdentity } from "./server-identity.ts";
import { createAccounts } from "./users/accounts.ts";
import { createSessions } from "./users/sessions.ts";

export interface ServiceOptions {
  /** The thumbnail worker's script; app.ts resolves it so that it also works inside the binary. */
  thumbnailWorkerUrl: string;
}

export function createServices(config: Readonly<Config>, stores: Stores, logger: Logger, clock: Clock, options: ServiceOptions) {
  const identity = createServerIdentity(config, stores.serverKeys, clock);
  const mediaFiles = createMediaFiles(mediaDirectory(config));
  const media = createMediaRepo({ config, stores, files: mediaFiles, clock, logger });
  const thumbnailer = createThumbnailer({ workerUrl: options.thumbnailWorkerUrl, logger, maxPixels: config.media.max_image_pixels });
  return {
    config,
    logger,
    clock,
    identity,
    accounts: createAccounts(stores, config.server_name, clock),
    sessions: createSessions(stores, clock),
    media,
    mediaFiles,
    thumbnailer,
    thumbnails: createThumbnails({ repo: media, store: stores.media, files: mediaFiles, thumbnailer, clock, logger, maxPixels: config.media.max_image_pixels }),
    mediaRetention: createMediaRetention({ serverName: config.server_name, stores, files: mediaFiles, clock }),
  };
}

export type Services = ReturnType<typeof createServices>;
