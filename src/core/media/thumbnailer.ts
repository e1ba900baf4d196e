/**
 * Runs thumbnail jobs in one worker thread, one job at a time. The worker starts on the
 * first job and is terminated after a quiet spell: WebAssembly memory only ever grows, so
 * ending the worker is how the memory of a large decode is given back.
 */
import { MatrixError } from "../../errors.ts";
import type { Logger } from "../../logger.ts";
import type { ThumbnailSize } from "../../matrix/thumbnail-sizes.ts";
import type { ImageFormat } from "./image-header.ts";
import type { ThumbnailReply, ThumbnailRequest } from "./thumbnail-worker.ts";

const MAX_QUEUED_JOBS = 32;

export interface ThumbnailerOptions {
  /** The worker script (app.ts resolves it so that it works from source and in the binary). */
  workerUrl: string;
  logger: Logger;
  maxPixels: number;
  idleMs?: number;
  jobTimeoutMs?: number;
}

export interface GeneratedThumbnail {
  bytes: Uint8Array;
  content_type: "image/jpeg" | "image/png";
  width: number;
  height: number;
}

interface Job {
  request: ThumbnailRequest;
  resolve: (thumbnail: GeneratedThumbnail) => void;
  reject: (error: unknown) => void;
}

export function createThumbnailer({
  workerUrl,
  logger,
  maxPixels,
  idleMs = 10_000,
  jobTimeoutMs = 60_000,
}: ThumbnailerOptions) {
  const queue: Job[] = [];
  let worker: Worker | undefined;
  let current: Job | undefined;
  let idleTimer: Timer | undefined;
  let jobTimer: Timer | undefined;
  let nextId = 1;
  let closed = false;

  const cannotThumbnail = () => new MatrixError("M_UNKNOWN", "Cannot generate thumbnails for the requested content");

  function stopWorker(): void {
    worker?.terminate();
    worker = undefined;
  }

  function startWorker(): Worker {
    const started = new Worker(workerUrl);
    started.onmessage = (event: MessageEvent<ThumbnailReply>) => finish(event.data);
    started.onerror = (event) => {
      logger.error("thumbnail worker failed", { error: event.message });
      stopWorker();
      fail(cannotThumbnail());
    };
    // An idle worker must not keep the process alive.
    started.unref();
    return started;
  }

  function finish(reply: ThumbnailReply): void {
    const job = current;
    if (!job || job.request.id !== reply.id) return;
    if (reply.ok)
      job.resolve({ bytes: reply.bytes, content_type: reply.content_type, width: reply.width, height: reply.height });
    else
      job.reject(
        reply.error === "too_large"
          ? new MatrixError("M_TOO_LARGE", "Content is too large to thumbnail")
          : cannotThumbnail(),
      );
    settle();
  }

  function fail(error: unknown): void {
    current?.reject(error);
    settle();
  }

  function settle(): void {
    clearTimeout(jobTimer);
    current = undefined;
    runNext();
  }

  function runNext(): void {
    clearTimeout(idleTimer);
    if (closed) return;
    const job = queue.shift();
    if (!job) {
      idleTimer = setTimeout(stopWorker, idleMs);
      idleTimer.unref();
      return;
    }
    current = job;
    worker ??= startWorker();
    jobTimer = setTimeout(() => {
      logger.warn("thumbnail job timed out; restarting the worker", { timeout_ms: jobTimeoutMs });
      stopWorker();
      fail(cannotThumbnail());
    }, jobTimeoutMs);
    worker.postMessage(job.request);
  }

  return {
    /** Decodes the image file at `path` and returns its thumbnail. */
    generate(path: string, format: ImageFormat, target: ThumbnailSize): Promise<GeneratedThumbnail> {
      return new Promise((resolve, reject) => {
        if (closed) return reject(cannotThumbnail());
        // Jobs run one at a time; a long queue means someone is asking for far more than a client would.
        if (queue.length >= MAX_QUEUED_JOBS) {
          return reject(
            new MatrixError("M_LIMIT_EXCEEDED", "Too many thumbnails are being generated; try again shortly", {
              retry_after_ms: 2000,
            }),
          );
        }
        queue.push({ request: { id: nextId++, path, format, target, maxPixels }, resolve, reject });
        if (!current) runNext();
      });
    },
    close(): void {
      closed = true;
      clearTimeout(idleTimer);
      clearTimeout(jobTimer);
      for (const job of queue.splice(0)) job.reject(cannotThumbnail());
      fail(cannotThumbnail());
      stopWorker();
    },
  };
}

export type Thumbnailer = ReturnType<typeof createThumbnailer>;
