/**
 * Which thumbnail answers a request, and its exact dimensions.
 * https://spec.matrix.org/v1.19/client-server-api/#thumbnails
 *
 * - "scale" keeps the aspect ratio and fits inside the box; "crop" fills the box and has
 *   the box's aspect ratio.
 * - A thumbnail is never smaller than requested unless the image itself is, and never
 *   upscaled.
 */
export type ThumbnailMethod = "crop" | "scale";

export interface ThumbnailSize {
  width: number;
  height: number;
  method: ThumbnailMethod;
}

/** The sizes the spec says servers SHOULD produce. */
export const RECOMMENDED_THUMBNAIL_SIZES: readonly ThumbnailSize[] = [
  { width: 32, height: 32, method: "crop" },
  { width: 96, height: 96, method: "crop" },
  { width: 320, height: 240, method: "scale" },
  { width: 640, height: 480, method: "scale" },
  { width: 800, height: 600, method: "scale" },
];

/** Requests may not ask for more than this in either dimension. */
export const MAX_THUMBNAIL_DIMENSION = 4096;

/**
 * The size generated for a request: the smallest recommended size of the same method that
 * covers it; otherwise each dimension rounded up to a power of two (at least 32), so that
 * requests cannot fill the cache with arbitrarily many distinct sizes.
 */
export function chooseThumbnailSize(width: number, height: number, method: ThumbnailMethod): ThumbnailSize {
  const recommended = RECOMMENDED_THUMBNAIL_SIZES.filter(
    (s) => s.method === method && s.width >= width && s.height >= height,
  );
  const smallest = recommended.sort((a, b) => a.width * a.height - b.width * b.height)[0];
  if (smallest) return smallest;
  const bucket = (n: number) => Math.min(MAX_THUMBNAIL_DIMENSION, Math.max(32, 2 ** Math.ceil(Math.log2(n))));
  return { width: bucket(width), height: bucket(height), method };
}

export interface ThumbnailGeometry {
  /** The region of the source image used, in source pixels. */
  crop: { x: number; y: number; width: number; height: number };
  /** The thumbnail's dimensions. */
  width: number;
  height: number;
}

/** Where to crop the source and how large the output is, for a target size. */
export function thumbnailGeometry(sourceWidth: number, sourceHeight: number, target: ThumbnailSize): ThumbnailGeometry {
  if (target.method === "scale") {
    const factor = Math.min(1, target.width / sourceWidth, target.height / sourceHeight);
    return {
      crop: { x: 0, y: 0, width: sourceWidth, height: sourceHeight },
      width: Math.max(1, Math.round(sourceWidth * factor)),
      height: Math.max(1, Math.round(sourceHeight * factor)),
    };
  }
  // The largest centred region with the target's aspect ratio, then scaled down (never up).
  const aspect = target.width / target.height;
  const cropWidth = Math.max(1, Math.min(sourceWidth, Math.round(sourceHeight * aspect)));
  const cropHeight = Math.max(1, Math.min(sourceHeight, Math.round(cropWidth / aspect)));
  const factor = Math.min(1, target.width / cropWidth);
  return {
    crop: {
      x: Math.floor((sourceWidth - cropWidth) / 2),
      y: Math.floor((sourceHeight - cropHeight) / 2),
      width: cropWidth,
      height: cropHeight,
    },
    width: Math.max(1, Math.round(cropWidth * factor)),
    height: Math.max(1, Math.round(cropHeight * factor)),
  };
}
