/**
 * Media bytes on disk, named by their sha256: `<root>/<aa>/<bb>/<sha256>`, thumbnails under
 * `<root>/thumbnails/<aa>/`. An upload streams into `<root>/tmp/` while it is hashed and
 * counted, is fsynced, and only then renamed into place, so a file under its hash is
 * always complete. Names are our own hex hashes: nothing from a request reaches a path.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync } from "node:fs";
import { mkdir, open, readdir, stat, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Config } from "../../config.ts";
import { MatrixError } from "../../errors.ts";
import type { ThumbnailSize } from "../../matrix/thumbnail-sizes.ts";

export interface ReceivedFile {
  tempPath: string;
  sha256: string;
  size: number;
}

/** `[global.media] path`, by default `<database_path>/media`. */
export function mediaDirectory(config: Pick<Config, "media" | "database_path">): string {
  return config.media.path ?? join(config.database_path, "media");
}

export function createMediaFiles(root: string) {
  const tempDir = join(root, "tmp");

  const contentPath = (sha256: string) => join(root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  const thumbnailPath = (sha256: string, size: ThumbnailSize) =>
    join(root, "thumbnails", sha256.slice(0, 2), `${sha256}-${size.width}x${size.height}-${size.method}`);

  function removeQuietly(path: string): void {
    rmSync(path, { force: true });
  }

  /** Makes a rename durable: the directory entry is on disk once this returns. */
  function syncDirectory(directory: string): void {
    const fd = openSync(directory, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  return {
    root,
    contentPath,
    thumbnailPath,

    /**
     * Streams a request body into a temp file, hashing it, never holding more than one
     * chunk in memory. Throws M_TOO_LARGE as soon as `maxSize` is passed; on any failure
     * the temp file is gone.
     */
    async receive(
      body: ReadableStream<Uint8Array> | null,
      maxSize: number,
      expectedSize?: number,
    ): Promise<ReceivedFile> {
      await mkdir(tempDir, { recursive: true });
      const tempPath = join(tempDir, crypto.randomUUID());
      const handle = await open(tempPath, "wx", 0o600);
      const hasher = new Bun.CryptoHasher("sha256");
      let size = 0;
      try {
        if (body) {
          for await (const chunk of readInterrupted(body)) {
            size += chunk.byteLength;
            if (size > maxSize)
              throw new MatrixError("M_TOO_LARGE", `Cannot upload files larger than ${maxSize} bytes`);
            hasher.update(chunk);
            for (let written = 0; written < chunk.byteLength; ) {
              written += (await handle.write(chunk, written)).bytesWritten;
            }
          }
        }
        if (expectedSize !== undefined && size !== expectedSize) {
          throw new MatrixError("M_UNKNOWN", `The upload ended after ${size} of ${expectedSize} bytes`);
        }
        await handle.sync();
      } catch (error) {
        await handle.close();
        await unlink(tempPath).catch(() => undefined);
        throw error;
      }
      await handle.close();
      return { tempPath, sha256: hasher.digest("hex"), size };
    },

    /**
     * Moves a received file under its hash, or drops it when that content is stored
     * already. Synchronous on purpose: together with the database write in the same turn
     * of the event loop, no other request can see the row without the file, or remove the
     * file between the check and the rename.
     */
    commit(received: ReceivedFile, isNew: boolean): void {
      if (!isNew && existsSync(contentPath(received.sha256))) {
        removeQuietly(received.tempPath);
        return;
      }
      const target = contentPath(received.sha256);
      mkdirSync(dirname(target), { recursive: true });
      renameSync(received.tempPath, target);
      syncDirectory(dirname(target));
    },

    discard(received: ReceivedFile): void {
      removeQuietly(received.tempPath);
    },

    /** Removes a content file and its thumbnails. */
    remove(sha256: string, thumbnails: readonly ThumbnailSize[]): void {
      removeQuietly(contentPath(sha256));
      for (const size of thumbnails) removeQuietly(thumbnailPath(sha256, size));
    },

    async writeThumbnail(sha256: string, size: ThumbnailSize, bytes: Uint8Array): Promise<string> {
      const target = thumbnailPath(sha256, size);
      await mkdir(dirname(target), { recursive: true });
      await mkdir(tempDir, { recursive: true });
      const tempPath = join(tempDir, crypto.randomUUID());
      await Bun.write(tempPath, bytes);
      renameSync(tempPath, target);
      return target;
    },

    removeThumbnail(sha256: string, size: ThumbnailSize): void {
      removeQuietly(thumbnailPath(sha256, size));
    },

    /** Deletes temp files untouched for `olderThanMs`: leftovers of a crash mid-upload. */
    async sweepTemporaryFiles(olderThanMs: number, now = Date.now()): Promise<number> {
      let names: string[];
      try {
        names = await readdir(tempDir);
      } catch (error) {
        // No upload yet. Anything else (tmp is not a directory, unreadable) is the operator's to hear of.
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
        throw error;
      }
      let removed = 0;
      for (const name of names) {
        const path = join(tempDir, name);
        const info = await stat(path).catch(() => undefined);
        if (info && now - info.mtimeMs > olderThanMs) {
          await unlink(path).catch(() => undefined);
          removed++;
        }
      }
      return removed;
    },
  };
}

/** A body that stops mid-way (client gone) becomes a Matrix error instead of a 500. */
async function* readInterrupted(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of body) yield chunk;
  } catch (error) {
    if (error instanceof MatrixError) throw error;
    throw new MatrixError("M_UNKNOWN", "The upload was interrupted");
  }
}

export type MediaFiles = ReturnType<typeof createMediaFiles>;
