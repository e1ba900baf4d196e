/**
 * Reads an image's format and dimensions from its first bytes, without decoding it: the
 * pixel limit is checked before any decoder allocates a pixel buffer. Only the formats the
 * thumbnailer decodes are recognised.
 */
export type ImageFormat = "png" | "jpeg" | "gif" | "webp";

export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
  /** True when the image may have several frames (APNG, animated WebP, any GIF). */
  animated: boolean;
}

/** How many leading bytes readImageHeader needs at most (JPEG metadata can precede the frame header). */
export const IMAGE_HEADER_BYTES = 512 * 1024;

export function readImageHeader(bytes: Uint8Array): ImageHeader | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ascii = (offset: number, length: number) => String.fromCharCode(...bytes.subarray(offset, offset + length));
  let header: ImageHeader | undefined;
  if (bytes.length >= 24 && ascii(0, 8) === "\x89PNG\r\n\x1a\n" && ascii(12, 4) === "IHDR")
    header = png(bytes, view, ascii);
  else if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) header = jpeg(bytes, view);
  else if (bytes.length >= 10 && (ascii(0, 6) === "GIF87a" || ascii(0, 6) === "GIF89a")) {
    header = { format: "gif", width: view.getUint16(6, true), height: view.getUint16(8, true), animated: true };
  } else if (bytes.length >= 30 && ascii(0, 4) === "RIFF" && ascii(8, 4) === "WEBP") header = webp(bytes, view, ascii);
  return header && header.width > 0 && header.height > 0 ? header : undefined;
}

function png(bytes: Uint8Array, view: DataView, ascii: (offset: number, length: number) => string): ImageHeader {
  // An acTL chunk before the first IDAT makes it an animated PNG.
  let animated = false;
  for (let offset = 8; offset + 8 <= bytes.length; ) {
    const type = ascii(offset + 4, 4);
    if (type === "acTL") animated = true;
    if (type === "IDAT" || type === "IEND") break;
    offset += 12 + view.getUint32(offset);
  }
  return { format: "png", width: view.getUint32(16), height: view.getUint32(20), animated };
}

function jpeg(bytes: Uint8Array, view: DataView): ImageHeader | undefined {
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) return undefined;
    const marker = bytes[offset + 1]!;
    if (marker === 0xff) {
      offset++; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2; // markers without a length
      continue;
    }
    const length = view.getUint16(offset + 2);
    // SOF0–SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (offset + 9 > bytes.length) return undefined;
      return { format: "jpeg", height: view.getUint16(offset + 5), width: view.getUint16(offset + 7), animated: false };
    }
    if (marker === 0xd9 || marker === 0xda) return undefined; // end of image or scan data before any frame header
    offset += 2 + length;
  }
  return undefined;
}

function webp(
  bytes: Uint8Array,
  view: DataView,
  ascii: (offset: number, length: number) => string,
): ImageHeader | undefined {
  const chunk = ascii(12, 4);
  const u24 = (offset: number) => bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16);
  if (chunk === "VP8X") {
    return { format: "webp", width: u24(24) + 1, height: u24(27) + 1, animated: (bytes[20]! & 0x02) !== 0 };
  }
  if (chunk === "VP8 " && bytes[23] === 0x9d && bytes[24] === 0x01 && bytes[25] === 0x2a) {
    return {
      format: "webp",
      width: view.getUint16(26, true) & 0x3fff,
      height: view.getUint16(28, true) & 0x3fff,
      animated: false,
    };
  }
  if (chunk === "VP8L" && bytes[20] === 0x2f) {
    const bits = view.getUint32(21, true);
    return { format: "webp", width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1, animated: false };
  }
  return undefined;
}
