/**
 * The authenticated media endpoints (v1.11): downloads, thumbnails and the repository's
 * configuration, for any local media. Uploads stay under /_matrix/media (api/media/content-repo.ts).
 * https://spec.matrix.org/v1.19/client-server-api/#content-repository
 */
import { Elysia, t } from "elysia";
import type { Services } from "../../core/services.ts";
import { mediaDownloads } from "../media/downloads.ts";
import { DownloadQuery, MediaConfig, MediaFileParams, MediaParams, ThumbnailQuery } from "../media/schemas.ts";
import { auth } from "../plugins/auth.ts";

const detail = (summary: string, description: string) => ({ summary, description, tags: ["Media"] });

export const mediaRoutes = (services: Pick<Services, "sessions" | "media" | "thumbnails">) => {
  const media = mediaDownloads(services, false);
  return new Elysia()
    .use(auth(services))
    .get("/_matrix/client/v1/media/config", () => services.media.config(), {
      auth: "guest",
      response: MediaConfig,
      detail: detail("GET /_matrix/client/v1/media/config", "The upload size limit (media.max_upload_size)."),
    })
    .get(
      "/_matrix/client/v1/media/download/:serverName/:mediaId",
      ({ request, params, query }) => media.download(request, params, query),
      {
        auth: "guest",
        params: MediaParams,
        query: DownloadQuery,
        detail: detail(
          "GET /_matrix/client/v1/media/download/{serverName}/{mediaId}",
          "The content as uploaded, streamed from disk with byte ranges. Inline only for the spec's safe types; a sandboxing CSP always. " +
            "Waits up to timeout_ms for content not uploaded yet (504 M_NOT_YET_UPLOADED). Remote media: 404 M_NOT_FOUND (no federation yet).",
        ),
      },
    )
    .get(
      "/_matrix/client/v1/media/download/:serverName/:mediaId/:fileName",
      ({ request, params, query }) => media.download(request, params, query),
      {
        auth: "guest",
        params: MediaFileParams,
        query: DownloadQuery,
        detail: detail(
          "GET /_matrix/client/v1/media/download/{serverName}/{mediaId}/{fileName}",
          "As the download above, named fileName in Content-Disposition.",
        ),
      },
    )
    .get(
      "/_matrix/client/v1/media/thumbnail/:serverName/:mediaId",
      ({ request, params, query }) => media.thumbnail(request, params, query),
      {
        auth: "guest",
        params: MediaParams,
        query: ThumbnailQuery,
        detail: detail(
          "GET /_matrix/client/v1/media/thumbnail/{serverName}/{mediaId}",
          "A JPEG or PNG thumbnail of a JPEG, PNG, GIF or WebP image, at the smallest recommended size covering the request, generated once and kept. " +
            "400 M_UNKNOWN for content that cannot be thumbnailed; 413 M_TOO_LARGE past media.max_image_pixels.",
        ),
      },
    )
    .get("/_matrix/client/v1/media/preview_url", () => services.media.previewUrl(), {
      auth: "guest",
      query: t.Object({ url: t.String(), ts: t.Optional(t.Integer()) }),
      detail: detail(
        "GET /_matrix/client/v1/media/preview_url",
        "URL previews are off (the server would fetch any URL a user names): 403 M_FORBIDDEN.",
      ),
    });
};
