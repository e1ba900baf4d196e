/**
 * Uploads (direct and asynchronous) and finding media to download.
 * https://spec.matrix.org/v1.19/client-server-api/#content-repository
 *
 * Content is stored once per sha256 (media-files.ts); each upload gets its own media id
 * pointing at it. The database row and the file move together in one synchronous step, so
 * an upload is either complete and visible or absent.
 */
import type { Config } from "../../config.ts";
import { MatrixError, notFound } from "../../errors.ts";
import type { Logger } from "../../logger.ts";
import { mxcUri } from "../../matrix/content-repo.ts";
import type { Stores } from "../../storage/index.ts";
import type { Clock } from "../clock.ts";
import type { Requester } from "../requester.ts";
import type { MediaFiles, ReceivedFile } from "./media-files.ts";

export interface UploadBody {
  body: ReadableStream<Uint8Array> | null;
  /** As sent: the spec's default when absent is application/octet-stream. */
  contentType: string | undefined;
  filename: string | undefined;
  /** The Content-Length header, when the client sent one. */
  contentLength: number | undefined;
}

export interface StoredMedia {
  media_id: string;
  sha256: string;
  path: string;
  size: number;
  content_type: string;
  filename: string | null;
}

export interface FindOptions {
  /** How long to wait for an asynchronous upload to arrive (the request's timeout_ms). */
  timeoutMs: number;
  /** The deprecated /_matrix/media/v3 endpoints: only media from before the cutoff. */
  unauthenticated: boolean;
}

export interface MediaRepoDeps {
  config: Readonly<Config>;
  stores: Pick<Stores, "media" | "transaction">;
  files: MediaFiles;
  clock: Clock;
  logger: Logger;
}

const MAX_FILENAME_LENGTH = 255;

export function createMediaRepo({ config, stores, files, clock, logger }: MediaRepoDeps) {
  const { media: store } = stores;
  const limits = config.media;
  const cutoff =
    limits.unauthenticated_cutoff === undefined ? undefined : new Date(limits.unauthenticated_cutoff).getTime();
  /** Downloads waiting for an asynchronous upload, by media id. */
  const waiting = new Map<string, Set<() => void>>();

  function newMediaId(): string {
    return Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString("base64url");
  }

  function checkDeclaredLength(length: number | undefined): void {
    if (length !== undefined && length > limits.max_upload_size) {
      throw new MatrixError("M_TOO_LARGE", `Cannot upload files larger than ${limits.max_upload_size} bytes`);
    }
  }

  /**
   * Records the received file under a media row written by `writeRow` (which throws to
   * refuse), then moves the file into place in the same synchronous step.
   */
  function keep(received: ReceivedFile, mediaId: string, writeRow: () => void): void {
    const now = clock.now();
    let isNew = false;
    try {
      stores.transaction(() => {
        isNew = store.selectFile(received.sha256) === undefined;
        if (isNew) store.insertFile(received.sha256, received.size, now);
        writeRow();
      });
    } catch (error) {
      files.discard(received);
      throw error;
    }
    try {
      files.commit(received, isNew);
    } catch (error) {
      stores.transaction(() => {
        store.deleteMedia(mediaId);
        if (isNew) store.deleteFile(received.sha256);
      });
      files.discard(received);
      throw error;
    }
  }

  function metadata(upload: UploadBody): { content_type: string; filename: string | null } {
    const contentType = upload.contentType?.trim() || "application/octet-stream";
    // Header values cannot carry CR/LF; the length bound keeps rows small.
    if (contentType.length > 255) throw new MatrixError("M_INVALID_PARAM", "Content-Type is too long");
    const filename = upload.filename ?? null;
    if (filename !== null && (filename.length > MAX_FILENAME_LENGTH || /[\x00-\x1f\x7f]/.test(filename))) {
      throw new MatrixError("M_INVALID_PARAM", "filename must be at most 255 characters without control characters");
    }
    return { content_type: contentType, filename: filename === "" ? null : filename };
  }

  function uploaded(mediaId: string): void {
    const waiters = waiting.get(mediaId);
    waiting.delete(mediaId);
    for (const wake of waiters ?? []) wake();
  }

  function waitForUpload(mediaId: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const waiters = waiting.get(mediaId) ?? new Set();
      waiting.set(mediaId, waiters);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        if (waiters.size === 0 && waiting.get(mediaId) === waiters) waiting.delete(mediaId);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waiters.add(done);
    });
  }

  function isLocal(serverName: string): boolean {
    return serverName === config.server_name;
  }

  return {
    config: () => ({ "m.upload.size": limits.max_upload_size }),

    /**
     * URL previews make the server fetch any URL a user names (a request-forgery risk
     * that needs an IP deny-list and a sandboxed HTML parser); bunduit does not offer them.
     */
    previewUrl(): never {
      throw new MatrixError("M_FORBIDDEN", "URL previews are disabled on this server");
    },

    /** POST /upload: streams the body to disk and returns its new mxc:// URI. */
    async upload(requester: Requester, upload: UploadBody): Promise<{ content_uri: string }> {
      checkDeclaredLength(upload.contentLength);
      const meta = metadata(upload);
      const received = await files.receive(upload.body, limits.max_upload_size, upload.contentLength);
      const mediaId = newMediaId();
      const now = clock.now();
      keep(received, mediaId, () =>
        store.insertMedia({
          media_id: mediaId,
          user_id: requester.user_id,
          sha256: received.sha256,
          size: received.size,
          uploaded_ts: now,
          ...meta,
        }),
      );
      return { content_uri: mxcUri(config.server_name, mediaId) };
    },

    /** POST /create: a media id whose content comes later, within the unused-expiry window. */
    createPending(requester: Requester): { content_uri: string; unused_expires_at: number } {
      const now = clock.now();
      const pending = store.selectPendingCount(requester.user_id, now);
      if (pending.count >= limits.max_pending_uploads) {
        throw new MatrixError("M_LIMIT_EXCEEDED", "Too many pending media uploads", {
          retry_after_ms: Math.max(0, (pending.earliest ?? now) - now),
        });
      }
      const mediaId = newMediaId();
      const expires = now + limits.unused_expiry_seconds * 1000;
      store.insertPendingMedia(mediaId, requester.user_id, now, expires);
      return { content_uri: mxcUri(config.server_name, mediaId), unused_expires_at: expires };
    },

    /** PUT /upload/{serverName}/{mediaId}: the content of a media id from /create. */
    async uploadPending(
      requester: Requester,
      serverName: string,
      mediaId: string,
      upload: UploadBody,
    ): Promise<Record<string, never>> {
      const row = isLocal(serverName) ? store.selectMedia(mediaId) : undefined;
      if (!row) throw notFound("Unknown media ID");
      if (row.sha256 !== null) throw new MatrixError("M_CANNOT_OVERWRITE_MEDIA", "Media already uploaded");
      if (row.user_id !== requester.user_id)
        throw new MatrixError("M_FORBIDDEN", "This media ID was created by another user");
      if (row.unused_expires_ts !== null && row.unused_expires_ts <= clock.now())
        throw notFound("This media ID has expired");
      checkDeclaredLength(upload.contentLength);
      const meta = metadata(upload);
      const received = await files.receive(upload.body, limits.max_upload_size, upload.contentLength);
      keep(received, mediaId, () => {
        const filled = store.updatePendingMediaContent({
          media_id: mediaId,
          sha256: received.sha256,
          size: received.size,
          uploaded_ts: clock.now(),
          ...meta,
        });
        if (!filled) throw new MatrixError("M_CANNOT_OVERWRITE_MEDIA", "Media already uploaded");
      });
      uploaded(mediaId);
      return {};
    },

    /**
     * Finds local media for a download or thumbnail, waiting up to timeoutMs (capped by
     * max_download_wait_ms) for content that is not uploaded yet: 504 M_NOT_YET_UPLOADED.
     */
    async find(serverName: string, mediaId: string, options: FindOptions): Promise<StoredMedia> {
      // Remote media needs federation, which bunduit does not have yet.
      if (!isLocal(serverName)) throw notFound("Remote media is not available: this server does not federate");
      let row = store.selectMedia(mediaId);
      const expired = () =>
        row?.sha256 === null && row.unused_expires_ts !== null && row.unused_expires_ts <= clock.now();
      if (!row || expired()) throw notFound("Media not found");
      if (row.sha256 === null) {
        await waitForUpload(mediaId, Math.min(Math.max(0, options.timeoutMs), limits.max_download_wait_ms));
        row = store.selectMedia(mediaId);
        if (!row || expired()) throw notFound("Media not found");
        if (row.sha256 === null) throw new MatrixError("M_NOT_YET_UPLOADED", "Content has not yet been uploaded");
      }
      // The spec's freeze: the deprecated endpoints serve only media from before the cutoff.
      if (options.unauthenticated && (cutoff === undefined || row.uploaded_ts === null || row.uploaded_ts >= cutoff)) {
        throw notFound("Media not found");
      }
      const path = files.contentPath(row.sha256);
      if (!(await Bun.file(path).exists())) {
        logger.warn("media file missing from disk", { media_id: mediaId, path });
        throw notFound("Media not found");
      }
      return {
        media_id: row.media_id,
        sha256: row.sha256,
        path,
        size: row.size ?? 0,
        content_type: row.content_type ?? "application/octet-stream",
        filename: row.filename,
      };
    },
  };
}

export type MediaRepo = ReturnType<typeof createMediaRepo>;
