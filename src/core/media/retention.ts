/**
 * Removing media: expired pending ids (on a timer), and the operator's `bunduit media
 * delete` and `bunduit media purge`. A content file goes when the last media id pointing
 * at it goes, with its thumbnails.
 */
import { invalidParam, notFound } from "../../errors.ts";
import { parseMxcUri } from "../../matrix/content-repo.ts";
import type { ThumbnailMethod } from "../../matrix/thumbnail-sizes.ts";
import type { Stores } from "../../storage/index.ts";
import type { Clock } from "../clock.ts";
import type { MediaFiles } from "./media-files.ts";

export interface RetentionDeps {
  serverName: string;
  stores: Pick<Stores, "media" | "transaction">;
  files: MediaFiles;
  clock: Clock;
}

export function createMediaRetention({ serverName, stores, files, clock }: RetentionDeps) {
  const { media: store } = stores;

  /**
   * Deletes media rows with `deleteRows` and the content left without any row, in one
   * transaction; the files are unlinked right after it, in the same synchronous step, so
   * that an upload of the same content cannot slip in between.
   */
  function removeMedia(deleteRows: () => (string | null)[]): { media: number; files: number } {
    const unreferenced: { sha256: string; thumbnails: { width: number; height: number; method: ThumbnailMethod }[] }[] =
      [];
    const media = stores.transaction(() => {
      const hashes = deleteRows();
      for (const sha256 of new Set(hashes)) {
        if (sha256 === null || store.countMediaBySha256(sha256) > 0) continue;
        const thumbnails = store
          .selectThumbnailsBySha256(sha256)
          .map((t) => ({ width: t.width, height: t.height, method: t.method as ThumbnailMethod }));
        store.deleteFile(sha256);
        unreferenced.push({ sha256, thumbnails });
      }
      return hashes.length;
    });
    for (const { sha256, thumbnails } of unreferenced) files.remove(sha256, thumbnails);
    return { media, files: unreferenced.length };
  }

  return {
    /** Forgets /create'd media ids whose upload never came. */
    expirePending(): number {
      return store.deleteExpiredPending(clock.now());
    },

    /** `bunduit media delete mxc://…`: one local media id. */
    deleteMedia(uri: string): { media: number; files: number } {
      const mxc = parseMxcUri(uri);
      if (!mxc) throw invalidParam(`Not an mxc:// URI: ${uri}`);
      if (mxc.serverName !== serverName) throw notFound(`${uri} is not media of this server (${serverName})`);
      const result = removeMedia(() => {
        const sha256 = store.deleteMedia(mxc.mediaId);
        return sha256 === undefined ? [] : [sha256];
      });
      if (result.media === 0) throw notFound(`No media ${uri}`);
      return result;
    },

    /** `bunduit media purge --before DATE`: every local media id uploaded (or created) before `ts`. */
    purgeBefore(ts: number): { media: number; files: number } {
      return removeMedia(() => store.deleteMediaCreatedBefore(ts));
    },
  };
}

export type MediaRetention = ReturnType<typeof createMediaRetention>;
