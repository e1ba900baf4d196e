/**
 * Test images made on the fly (no binaries in the repository) and decoded back to check a
 * thumbnail's real dimensions. Uses the same codecs as the server, straight from source.
 */
import decodeJpeg from "@jsquash/jpeg/decode.js";
import encodeJpeg from "@jsquash/jpeg/encode.js";
import decodePng from "@jsquash/png/decode.js";
import encodePng from "@jsquash/png/encode.js";
import encodeWebp from "@jsquash/webp/encode.js";
import { GifWriter } from "omggif";

interface Pixels {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

/** A gradient with a diagonal, so that resizing has something to average. */
export function pixels(width: number, height: number, alpha = 255): Pixels {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      data[i] = (x * 255) / width;
      data[i + 1] = (y * 255) / height;
      data[i + 2] = Math.abs(x - y) < 3 ? 255 : 40;
      data[i + 3] = alpha;
    }
  }
  return { data, width, height };
}

export async function makePng(width: number, height: number): Promise<Uint8Array> {
  return new Uint8Array(await encodePng(pixels(width, height, 200) as never));
}

export async function makeJpeg(width: number, height: number): Promise<Uint8Array> {
  return new Uint8Array(await encodeJpeg(pixels(width, height) as never, { quality: 85 }));
}

export async function makeWebp(width: number, height: number): Promise<Uint8Array> {
  return new Uint8Array(await encodeWebp(pixels(width, height) as never));
}

/** A two-frame GIF (animated), 4 palette colours. */
export function makeGif(width: number, height: number): Uint8Array {
  const buffer = new Uint8Array(width * height * 2 + 1024);
  const writer = new GifWriter(buffer, width, height, { palette: [0x000000, 0xff0000, 0x00ff00, 0x0000ff], loop: 0 });
  for (const shift of [0, 1]) {
    const indexed = Array.from({ length: width * height }, (_, i) => ((i % width) + shift) % 4);
    writer.addFrame(0, 0, width, height, indexed, { delay: 10 });
  }
  return buffer.slice(0, writer.end());
}

/** Decodes a PNG or JPEG thumbnail and returns its dimensions (failing the test if it does not decode). */
export async function imageSize(
  bytes: Uint8Array,
  contentType: string | null,
): Promise<{ width: number; height: number }> {
  const buffer = bytes.slice().buffer as ArrayBuffer;
  const image = (contentType === "image/jpeg" ? await decodeJpeg(buffer) : await decodePng(buffer)) as Pixels;
  return { width: image.width, height: image.height };
}
