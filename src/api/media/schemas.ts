/** Route schemas shared by the authenticated (/_matrix/client/v1/media) and deprecated (/_matrix/media/v3) media endpoints. */
import { t } from "elysia";
import { MEDIA_ID_PATTERN, SERVER_NAME_PATTERN } from "../../matrix/content-repo.ts";
import { MAX_THUMBNAIL_DIMENSION } from "../../matrix/thumbnail-sizes.ts";

/** The parts of an mxc:// URI; anything outside the spec's characters is refused before it reaches the core. */
export const MediaParams = t.Object({
  serverName: t.String({ pattern: SERVER_NAME_PATTERN, description: "The server name of the mxc:// URI." }),
  mediaId: t.String({
    pattern: MEDIA_ID_PATTERN,
    description: "The media id of the mxc:// URI: A-Z, a-z, 0-9, _ and - only.",
  }),
});

export const MediaFileParams = t.Object({
  ...MediaParams.properties,
  fileName: t.String({ description: "The file name to give in Content-Disposition instead of the uploaded one." }),
});

const timeout_ms = t.Optional(
  t.Integer({
    minimum: 0,
    description:
      "How long to wait for content that is not uploaded yet (default 20000; capped by media.max_download_wait_ms).",
  }),
);

export const DownloadQuery = t.Object({
  timeout_ms,
  allow_remote: t.Optional(t.Boolean()),
  allow_redirect: t.Optional(t.Boolean()),
});

export const ThumbnailQuery = t.Object({
  width: t.Integer({
    minimum: 1,
    maximum: MAX_THUMBNAIL_DIMENSION,
    description: "The desired width; the thumbnail may be larger.",
  }),
  height: t.Integer({
    minimum: 1,
    maximum: MAX_THUMBNAIL_DIMENSION,
    description: "The desired height; the thumbnail may be larger.",
  }),
  method: t.Optional(
    t.Union([t.Literal("crop"), t.Literal("scale")], {
      description: "crop fills the box; scale fits inside it (default).",
    }),
  ),
  animated: t.Optional(
    t.Boolean({
      description: "Animated thumbnails are not generated; true serves an animated original no larger than asked for.",
    }),
  ),
  timeout_ms,
  allow_remote: t.Optional(t.Boolean()),
  allow_redirect: t.Optional(t.Boolean()),
});

export const MediaConfig = t.Object({
  "m.upload.size": t.Integer({ description: "The largest upload accepted, in bytes." }),
});

/** The spec's default for timeout_ms. */
export const DEFAULT_TIMEOUT_MS = 20_000;
