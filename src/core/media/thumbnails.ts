/**
 * Thumbnails: chosen per the spec's sizes, generated once per content and size (however
 * many requests ask at the same moment), kept on disk and served from there afterwards.
 * https://spec.matrix.org/v1.19/client-server-api/#thumbnails
 */
import { MatrixError } from "../../errors.ts";
import type { Logger } from "../../logger.ts";
import { chooseThumbnailSize, type ThumbnailMethod, type ThumbnailSize } from "../../matrix/thumbnail-sizes.ts";
import type { MediaStore } from "../../storage/media.ts";
import type { Clock } from "../clock.ts";
import { IMAGE_HEADER_BYTES, readImageHeader, type ImageHeader } from "./image-header.ts";
import type { MediaFiles } from "./media-files.ts";
import type { FindOptions, MediaRepo, StoredMedia } from "./media-repo.ts";
import type { Thumbnailer } from "./thumbnailer.ts";

export interface ThumbnailRequest {
  width: number;
  height: number;
  method: ThumbnailMethod;
  /** The spec's `animated`: true asks for an animated thumbnail when possible. */
  animated: boolean | undefined;
}

/** A file to send as the thumbnail. */
export interface ThumbnailFile {
  path: string;
  size: number;
  content_type: string;
}

export interface ThumbnailDeps {
  repo: MediaRepo;
  store: MediaStore;
  files: MediaFiles;
  thumbnailer: Thumbnailer;
  clock: Clock;
  logger: Logger;
  maxPixels: number;
}

export function createThumbnails({ repo, store, files, thumbnailer, clock, logger, maxPixels }: ThumbnailDeps) {
  /** Generations under way, so that concurrent requests for one thumbnail share one job. */
  const inFlight = new Map<string, Promise<ThumbnailFile>>();

  const cannotThumbnail = () => new MatrixError("M_UNKNOWN", "Cannot generate thumbnails for the requested content");

  async function readHeader(media: StoredMedia): Promise<ImageHeader> {
    const head = await Bun.file(media.path).slice(0, IMAGE_HEADER_BYTES).bytes();
    const header = readImageHeader(head);
    if (!header) throw cannotThumbnail();
    if (header.width * header.height > maxPixels)
      throw new MatrixError("M_TOO_LARGE", "Content is too large to thumbnail");
    return header;
  }

  async function generate(media: StoredMedia, header: ImageHeader, target: ThumbnailSize): Promise<ThumbnailFile> {
    const thumbnail = await thumbnailer.generate(media.path, header.format, target);
    const path = await files.writeThumbnail(media.sha256, target, thumbnail.bytes);
    try {
      store.insertThumbnail(
        { sha256: media.sha256, ...target, content_type: thumbnail.content_type, size: thumbnail.bytes.byteLength },
        clock.now(),
      );
    } catch (error) {
      // The content was deleted while its thumbnail was being made: keep nothing.
      logger.debug("thumbnail of deleted content discarded", { sha256: media.sha256, error: String(error) });
      files.removeThumbnail(media.sha256, target);
      throw new MatrixError("M_NOT_FOUND", "Media not found");
    }
    return { path, size: thumbnail.bytes.byteLength, content_type: thumbnail.content_type };
  }

  return {
    async thumbnail(
      serverName: string,
      mediaId: string,
      request: ThumbnailRequest,
      options: FindOptions,
    ): Promise<ThumbnailFile> {
      const media = await repo.find(serverName, mediaId, options);
      const header = await readHeader(media);
      // An image no larger than asked for is served as it is (unless it may be animated and
      // the client did not ask for animation: then it gets a still frame).
      if (
        header.width <= request.width &&
        header.height <= request.height &&
        (!header.animated || request.animated === true)
      ) {
        return { path: media.path, size: media.size, content_type: `image/${header.format}` };
      }
      const target = chooseThumbnailSize(request.width, request.height, request.method);
      const cached = store.selectThumbnail(media.sha256, target.width, target.height, target.method);
      const cachedPath = files.thumbnailPath(media.sha256, target);
      // A thumbnail file removed behind our back is simply made again.
      if (cached && (await Bun.file(cachedPath).exists()))
        return { path: cachedPath, size: cached.size, content_type: cached.content_type };

      const key = `${media.sha256}/${target.width}x${target.height}/${target.method}`;
      let job = inFlight.get(key);
      if (!job) {
        job = generate(media, header, target).finally(() => inFlight.delete(key));
        inFlight.set(key, job);
      }
      return job;
    },
  };
}

export type Thumbnails = ReturnType<typeof createThumbnails>;
