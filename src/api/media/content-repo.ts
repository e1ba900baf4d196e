/**
 * The content repository under /_matrix/media: uploads (which have no authenticated
 * /_matrix/client path yet) and the deprecated unauthenticated downloads, frozen for media
 * uploaded after `media.unauthenticated_cutoff`.
 * https://spec.matrix.org/v1.19/client-server-api/#content-repository
 */
import { Elysia, t } from "elysia";
import type { Services } from "../../core/services.ts";
import type { UploadBody } from "../../core/media/media-repo.ts";
import { auth } from "../plugins/auth.ts";
import { mediaDownloads } from "./downloads.ts";
import { DownloadQuery, MediaConfig, MediaFileParams, MediaParams, ThumbnailQuery } from "./schemas.ts";

/** Upload paths get the raw body stream and media.max_upload_size instead of JSON parsing and max_request_size. */
export function isMediaUploadPath(path: string): boolean {
  return /^\/_matrix\/media\/(v3|r0)\/upload(\/|$|\?)/.test(path);
}

/**
 * A route-level parser that claims the body without reading it, so that Elysia's default
 * parsers leave the stream alone whatever the Content-Type (application/json and
 * text/plain files included); the handler reads `request.body`.
 */
const streamBody = () => true;

function uploadBody(request: Request, filename: string | undefined): UploadBody {
  const length = request.headers.get("content-length");
  return {
    body: request.body,
    contentType: request.headers.get("content-type") ?? undefined,
    filename,
    contentLength: length === null || !/^\d+$/.test(length) ? undefined : Number(length),
  };
}

const UploadQuery = t.Object({
  filename: t.Optional(t.String({ description: "The name of the file being uploaded." })),
});
const ContentUri = t.Object({ content_uri: t.String({ description: "The mxc:// URI of the content." }) });

const deprecated = (summary: string) => ({
  summary,
  description:
    "Deprecated in v1.11 for /_matrix/client/v1/media: serves only media uploaded before media.unauthenticated_cutoff (404 M_NOT_FOUND otherwise; none when unset).",
  tags: ["Media"],
  deprecated: true,
});

export const contentRepoRoutes = (services: Pick<Services, "sessions" | "media" | "thumbnails">) => {
  const legacy = mediaDownloads(services, true);
  return new Elysia()
    .use(auth(services))
    .post(
      "/_matrix/media/v3/upload",
      ({ requester, request, query }) => services.media.upload(requester, uploadBody(request, query.filename)),
      {
        auth: "user",
        parse: streamBody,
        query: UploadQuery,
        response: ContentUri,
        detail: {
          summary: "POST /_matrix/media/v3/upload",
          description:
            "Streams the body to disk (any Content-Type, default application/octet-stream). 413 M_TOO_LARGE past media.max_upload_size.",
          tags: ["Media"],
        },
      },
    )
    .post("/_matrix/media/v1/create", ({ requester }) => services.media.createPending(requester), {
      auth: "user",
      response: t.Object({
        ...ContentUri.properties,
        unused_expires_at: t.Integer({
          description: "When the id expires if nothing is uploaded (ms since the epoch).",
        }),
      }),
      detail: {
        summary: "POST /_matrix/media/v1/create",
        description:
          "An mxc:// URI whose content is uploaded later with PUT /upload. 429 M_LIMIT_EXCEEDED past media.max_pending_uploads.",
        tags: ["Media"],
      },
    })
    .put(
      "/_matrix/media/v3/upload/:serverName/:mediaId",
      ({ requester, request, params, query }) =>
        services.media.uploadPending(requester, params.serverName, params.mediaId, uploadBody(request, query.filename)),
      {
        auth: "user",
        parse: streamBody,
        params: MediaParams,
        query: UploadQuery,
        response: t.Object({}),
        detail: {
          summary: "PUT /_matrix/media/v3/upload/{serverName}/{mediaId}",
          description:
            "Uploads the content of an id from /create, by its creator, before it expires. 409 M_CANNOT_OVERWRITE_MEDIA once uploaded.",
          tags: ["Media"],
        },
      },
    )
    .get("/_matrix/media/v3/config", () => services.media.config(), {
      auth: "guest",
      response: MediaConfig,
      detail: {
        summary: "GET /_matrix/media/v3/config",
        description: "Deprecated; the same as GET /_matrix/client/v1/media/config.",
        tags: ["Media"],
        deprecated: true,
      },
    })
    .get(
      "/_matrix/media/v3/download/:serverName/:mediaId",
      ({ request, params, query }) => legacy.download(request, params, query),
      {
        params: MediaParams,
        query: DownloadQuery,
        detail: deprecated("GET /_matrix/media/v3/download/{serverName}/{mediaId}"),
      },
    )
    .get(
      "/_matrix/media/v3/download/:serverName/:mediaId/:fileName",
      ({ request, params, query }) => legacy.download(request, params, query),
      {
        params: MediaFileParams,
        query: DownloadQuery,
        detail: deprecated("GET /_matrix/media/v3/download/{serverName}/{mediaId}/{fileName}"),
      },
    )
    .get(
      "/_matrix/media/v3/thumbnail/:serverName/:mediaId",
      ({ request, params, query }) => legacy.thumbnail(request, params, query),
      {
        params: MediaParams,
        query: ThumbnailQuery,
        detail: deprecated("GET /_matrix/media/v3/thumbnail/{serverName}/{mediaId}"),
      },
    )
    .get("/_matrix/media/v3/preview_url", () => services.media.previewUrl(), {
      auth: "guest",
      detail: {
        summary: "GET /_matrix/media/v3/preview_url",
        description: "Deprecated. URL previews are off: 403 M_FORBIDDEN.",
        tags: ["Media"],
        deprecated: true,
      },
    });
};
