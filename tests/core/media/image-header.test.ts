import { describe, expect, test } from "bun:test";
import { readImageHeader } from "../../../src/core/media/image-header.ts";
import { jpegIsComplete } from "../../../src/core/media/thumbnail-worker.ts";
import { makeGif, makeJpeg, makePng, makeWebp } from "../../support/images.ts";

describe("reading image headers", () => {
  test("format and dimensions of PNG, JPEG, GIF and WebP", async () => {
    expect(readImageHeader(await makePng(300, 200))).toEqual({
      format: "png",
      width: 300,
      height: 200,
      animated: false,
    });
    expect(readImageHeader(await makeJpeg(300, 200))).toEqual({
      format: "jpeg",
      width: 300,
      height: 200,
      animated: false,
    });
    expect(readImageHeader(makeGif(30, 20))).toEqual({ format: "gif", width: 30, height: 20, animated: true });
    expect(readImageHeader(await makeWebp(300, 200))).toEqual({
      format: "webp",
      width: 300,
      height: 200,
      animated: false,
    });
  });

  test("an acTL chunk before the image data marks an animated PNG", async () => {
    const png = await makePng(10, 10);
    const actl = new Uint8Array([0, 0, 0, 8, ...new TextEncoder().encode("acTL"), 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0]);
    const apng = new Uint8Array([...png.subarray(0, 33), ...actl, ...png.subarray(33)]);
    expect(readImageHeader(apng)?.animated).toBe(true);
  });

  test("anything else, or a header cut short, is not an image", () => {
    for (const bytes of [
      new TextEncoder().encode("just text"),
      new Uint8Array([0x89, 0x50, 0x4e, 0x47]),
      new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16]),
      new Uint8Array(),
    ]) {
      expect(readImageHeader(bytes)).toBeUndefined();
    }
  });

  test("a JPEG is complete only with its end-of-image marker; bytes after it are fine", async () => {
    const jpeg = await makeJpeg(200, 100);
    expect(jpegIsComplete(jpeg)).toBe(true);
    expect(jpegIsComplete(new Uint8Array([...jpeg, ...new Uint8Array(1000).fill(7)]))).toBe(true);
    expect(jpegIsComplete(jpeg.subarray(0, jpeg.length - 2))).toBe(false);
    expect(jpegIsComplete(jpeg.subarray(0, jpeg.length / 2))).toBe(false);
  });
});
