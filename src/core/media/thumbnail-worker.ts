/**
 * The thumbnail worker: one image per message, decoded, cropped, resized and encoded off
 * the main thread, so that a large photo never stalls /sync. The codecs are Squoosh's
 * WebAssembly builds (mozjpeg, the Rust png crate, libwebp) packaged as @jsquash/*; GIF's
 * first frame is decoded by omggif (pure JS). The .wasm files are embedded in the binary
 * (`with { type: "file" }`), so nothing is read from beside the executable.
 *
 * This file is a second entry point of `bun build --compile` (see package.json "build").
 */
import decodeJpeg, { init as initJpegDecoder } from "@jsquash/jpeg/decode.js";
import encodeJpeg, { init as initJpegEncoder } from "@jsquash/jpeg/encode.js";
import decodePng, { init as initPngDecoder } from "@jsquash/png/decode.js";
import encodePng, { init as initPngEncoder } from "@jsquash/png/encode.js";
import resize, { initResize } from "@jsquash/resize";
import decodeWebp, { init as initWebpDecoder } from "@jsquash/webp/decode.js";
// Namespace imports: two of these packages type their .wasm as modules; Bun gives the path as default.
import * as jpegDecoderWasm from "@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm" with { type: "file" };
import * as jpegEncoderWasm from "@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm" with { type: "file" };
import * as pngWasm from "@jsquash/png/codec/pkg/squoosh_png_bg.wasm" with { type: "file" };
import * as resizeWasm from "@jsquash/resize/lib/resize/pkg/squoosh_resize_bg.wasm" with { type: "file" };
import * as webpDecoderWasm from "@jsquash/webp/codec/dec/webp_dec.wasm" with { type: "file" };
import { GifReader } from "omggif";
import { thumbnailGeometry, type ThumbnailGeometry, type ThumbnailSize } from "../../matrix/thumbnail-sizes.ts";
import type { ImageFormat } from "./image-header.ts";

export interface ThumbnailRequest {
  id: number;
  /** The content file; read here, when the job runs, so queued jobs hold no image in memory. */
  path: string;
  format: ImageFormat;
  target: ThumbnailSize;
  maxPixels: number;
}

export type ThumbnailReply =
  | { id: number; ok: true; bytes: Uint8Array; content_type: "image/jpeg" | "image/png"; width: number; height: number }
  | { id: number; ok: false; error: "undecodable" | "too_large" };

interface Pixels {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

declare const self: Worker;

const compile = async (embedded: unknown) =>
  WebAssembly.compile(await Bun.file((embedded as { default: string }).default).arrayBuffer());
// module-state: the worker's codecs, compiled once on its first image; this file is the
// worker's entry point (its own main.ts), and the state lives and dies with the worker.
let codecs: Promise<unknown> | undefined;
function loadCodecs(): Promise<unknown> {
  codecs ??= Promise.all([
    compile(jpegDecoderWasm).then((m) => (initJpegDecoder as (module: WebAssembly.Module) => Promise<void>)(m)),
    compile(jpegEncoderWasm).then((m) => (initJpegEncoder as (module: WebAssembly.Module) => Promise<void>)(m)),
    compile(pngWasm).then((m) => Promise.all([initPngDecoder(m), initPngEncoder(m)])),
    compile(resizeWasm).then((m) => initResize(m)),
    compile(webpDecoderWasm).then((m) => (initWebpDecoder as (module: WebAssembly.Module) => Promise<void>)(m)),
  ]);
  return codecs;
}

async function decode(input: Uint8Array, format: ImageFormat): Promise<Pixels> {
  const whole = input.byteOffset === 0 && input.byteLength === input.buffer.byteLength;
  const buffer = (whole ? input.buffer : input.slice().buffer) as ArrayBuffer;
  switch (format) {
    case "jpeg":
      // libjpeg fills a truncated scan with grey instead of failing; refuse it ourselves.
      if (!jpegIsComplete(input)) throw new Error("truncated JPEG");
      // preserveOrientation applies the EXIF orientation, so phone photos come out upright.
      return (await decodeJpeg(buffer, { preserveOrientation: true })) as Pixels;
    case "png":
      return (await decodePng(buffer)) as Pixels;
    case "webp":
      return (await decodeWebp(buffer)) as Pixels;
    case "gif": {
      const reader = new GifReader(input);
      const data = new Uint8ClampedArray(reader.width * reader.height * 4);
      reader.decodeAndBlitFrameRGBA(0, data);
      return { data, width: reader.width, height: reader.height };
    }
  }
}

/**
 * Walks the JPEG's segments and entropy-coded scans to its end-of-image marker. Trailing
 * bytes after it (e.g. the video of a "motion photo") are fine; a missing EOI is not.
 */
export function jpegIsComplete(bytes: Uint8Array): boolean {
  let offset = 2;
  while (offset + 1 < bytes.length) {
    if (bytes[offset] !== 0xff) return false;
    const marker = bytes[offset + 1]!;
    if (marker === 0xd9) return true;
    if (marker === 0xff || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += marker === 0xff ? 1 : 2;
      continue;
    }
    if (offset + 3 >= bytes.length) return false;
    offset += 2 + ((bytes[offset + 2]! << 8) | bytes[offset + 3]!);
    if (marker !== 0xda) continue;
    // Scan data: skip to the next marker that is neither a stuffed 0xFF00 nor a restart marker.
    while (
      offset + 1 < bytes.length &&
      !(bytes[offset] === 0xff && bytes[offset + 1] !== 0 && (bytes[offset + 1]! < 0xd0 || bytes[offset + 1]! > 0xd7))
    )
      offset++;
  }
  return false;
}

/**
 * Crops, then averages k×k blocks (weighted by alpha) so that the final resample works on an
 * image at most about twice the output size: a 12 MP photo resampled directly costs 10× more.
 */
function cropAndShrink(source: Pixels, geometry: ThumbnailGeometry): Pixels {
  const { crop } = geometry;
  const k = Math.max(1, Math.floor(Math.min(crop.width / geometry.width, crop.height / geometry.height) / 2));
  const width = Math.floor(crop.width / k);
  const height = Math.floor(crop.height / k);
  const out = new Uint8ClampedArray(width * height * 4);
  const sums = new Float64Array(width * 4);
  const src = source.data;
  for (let y = 0; y < height; y++) {
    sums.fill(0);
    for (let dy = 0; dy < k; dy++) {
      let i = ((crop.y + y * k + dy) * source.width + crop.x) * 4;
      for (let x = 0; x < width; x++) {
        let r = 0,
          g = 0,
          b = 0,
          a = 0;
        for (let dx = 0; dx < k; dx++, i += 4) {
          const alpha = src[i + 3]!;
          r += src[i]! * alpha;
          g += src[i + 1]! * alpha;
          b += src[i + 2]! * alpha;
          a += alpha;
        }
        const o = x * 4;
        sums[o] = sums[o]! + r;
        sums[o + 1] = sums[o + 1]! + g;
        sums[o + 2] = sums[o + 2]! + b;
        sums[o + 3] = sums[o + 3]! + a;
      }
    }
    const row = y * width * 4;
    for (let x = 0; x < width; x++) {
      const o = x * 4;
      const alpha = sums[o + 3]!;
      if (alpha === 0) continue;
      out[row + o] = sums[o]! / alpha;
      out[row + o + 1] = sums[o + 1]! / alpha;
      out[row + o + 2] = sums[o + 2]! / alpha;
      out[row + o + 3] = alpha / (k * k);
    }
  }
  return { data: out, width, height };
}

export async function makeThumbnail(
  request: Omit<ThumbnailRequest, "id">,
): Promise<Omit<ThumbnailReply & { ok: true }, "id">> {
  await loadCodecs();
  const source = await decode(await Bun.file(request.path).bytes(), request.format);
  if (source.width * source.height > request.maxPixels) throw new RangeError("too many pixels");
  const geometry = thumbnailGeometry(source.width, source.height, request.target);
  let pixels = cropAndShrink(source, geometry);
  if (pixels.width !== geometry.width || pixels.height !== geometry.height) {
    pixels = (await resize(pixels as never, {
      width: geometry.width,
      height: geometry.height,
      method: "lanczos3",
    })) as Pixels;
  }
  // Photos stay JPEG (small); everything else becomes PNG, which keeps transparency.
  if (request.format === "jpeg") {
    const bytes = new Uint8Array(await encodeJpeg(pixels as never, { quality: 80 }));
    return { ok: true, bytes, content_type: "image/jpeg", width: pixels.width, height: pixels.height };
  }
  const bytes = new Uint8Array(await encodePng(pixels as never));
  return { ok: true, bytes, content_type: "image/png", width: pixels.width, height: pixels.height };
}

// Only when running as a worker: tests import makeThumbnail directly.
if (!Bun.isMainThread) {
  self.onmessage = async (event: MessageEvent<ThumbnailRequest>) => {
    const { id, ...request } = event.data;
    let reply: ThumbnailReply;
    try {
      reply = { id, ...(await makeThumbnail(request)) };
    } catch (error) {
      reply = { id, ok: false, error: error instanceof RangeError ? "too_large" : "undecodable" };
    }
    self.postMessage(reply, reply.ok ? [reply.bytes.buffer as ArrayBuffer] : []);
  };
}
