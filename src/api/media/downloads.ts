/**
 * The download and thumbnail handlers, shared by the authenticated endpoints and the
 * deprecated unauthenticated ones (which serve only media from before the cutoff).
 */
import type { Static } from "elysia";
import type { Services } from "../../core/services.ts";
import { fileResponse } from "./file-response.ts";
import { DEFAULT_TIMEOUT_MS, type DownloadQuery, type MediaParams, type ThumbnailQuery } from "./schemas.ts";

type Params = Static<typeof MediaParams> & { fileName?: string };

export const mediaDownloads = (services: Pick<Services, "media" | "thumbnails">, unauthenticated: boolean) => ({
  async download(request: Request, params: Params, query: Static<typeof DownloadQuery>): Promise<Response> {
    const media = await services.media.find(params.serverName, params.mediaId, {
      timeoutMs: query.timeout_ms ?? DEFAULT_TIMEOUT_MS,
      unauthenticated,
    });
    return fileResponse(request, { ...media, filename: params.fileName ?? media.filename });
  },

  async thumbnail(request: Request, params: Params, query: Static<typeof ThumbnailQuery>): Promise<Response> {
    const thumbnail = await services.thumbnails.thumbnail(
      params.serverName,
      params.mediaId,
      { width: query.width, height: query.height, method: query.method ?? "scale", animated: query.animated },
      { timeoutMs: query.timeout_ms ?? DEFAULT_TIMEOUT_MS, unauthenticated },
    );
    const extension = thumbnail.content_type.split("/")[1] ?? "png";
    return fileResponse(request, { ...thumbnail, filename: `thumbnail.${extension}`, disposition: "inline" });
  },
});
