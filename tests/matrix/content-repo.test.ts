import { describe, expect, test } from "bun:test";
import {
  contentDisposition,
  isInlineContentType,
  isValidMediaId,
  isValidServerName,
  parseMxcUri,
} from "../../src/matrix/content-repo.ts";
import { chooseThumbnailSize, thumbnailGeometry } from "../../src/matrix/thumbnail-sizes.ts";

describe("mxc:// parts", () => {
  test("media ids allow only A-Z a-z 0-9 _ -", () => {
    for (const id of ["abc", "A_b-9", "x".repeat(255)]) expect(isValidMediaId(id)).toBe(true);
    for (const id of ["", "../etc", "a.b", "a/b", "a%2Fb", "é", "x".repeat(256)])
      expect(isValidMediaId(id)).toBe(false);
  });

  test("server names: DNS names, IPv4 and [IPv6] with an optional port", () => {
    for (const name of ["example.org", "localhost:8448", "1.2.3.4", "[::1]", "[2001:db8::1]:443"])
      expect(isValidServerName(name)).toBe(true);
    for (const name of ["", "bad_server", "a/b", "example.org:99999", "::1", "exa mple.org"])
      expect(isValidServerName(name)).toBe(false);
  });

  test("parseMxcUri accepts only well-formed URIs", () => {
    expect(parseMxcUri("mxc://example.org/abc")).toEqual({ serverName: "example.org", mediaId: "abc" });
    for (const uri of [
      "mxc://example.org/",
      "http://example.org/abc",
      "mxc://example.org/a/b",
      "mxc://example.org/../x",
    ])
      expect(parseMxcUri(uri)).toBeUndefined();
  });
});

describe("serving inline content", () => {
  test("only the spec's safe types are inline, compared without parameters or case", () => {
    for (const type of ["image/png", "Text/Plain; charset=utf-8", "video/mp4", "audio/flac"])
      expect(isInlineContentType(type)).toBe(true);
    for (const type of [
      "text/html",
      "image/svg+xml",
      "application/xhtml+xml",
      "application/javascript",
      "application/pdf",
      "",
    ])
      expect(isInlineContentType(type)).toBe(false);
  });

  test("Content-Disposition quotes ASCII names and percent-encodes the rest (RFC 6266)", () => {
    expect(contentDisposition("inline", null)).toBe("inline");
    expect(contentDisposition("inline", "cat.png")).toBe('inline; filename="cat.png"');
    expect(contentDisposition("attachment", "name;with;semicolons")).toBe(
      'attachment; filename="name;with;semicolons"',
    );
    expect(contentDisposition("attachment", 'a"b')).toBe("attachment; filename*=utf-8''a%22b");
    expect(contentDisposition("inline", "line\r\nbreak")).toBe('inline; filename="linebreak"');
    expect(contentDisposition("attachment", "../a\\b\u202e.txt")).toBe('attachment; filename=".._a_b.txt"');
    expect(contentDisposition("inline", " .. ")).toBe("inline");
    expect(contentDisposition("inline", "☕ (1).txt")).toBe("inline; filename*=utf-8''%E2%98%95%20%281%29.txt");
  });
});

describe("thumbnail sizes", () => {
  test("the smallest recommended size of the method that covers the request", () => {
    expect(chooseThumbnailSize(10, 10, "crop")).toEqual({ width: 32, height: 32, method: "crop" });
    expect(chooseThumbnailSize(33, 20, "crop")).toEqual({ width: 96, height: 96, method: "crop" });
    expect(chooseThumbnailSize(100, 100, "scale")).toEqual({ width: 320, height: 240, method: "scale" });
    expect(chooseThumbnailSize(700, 500, "scale")).toEqual({ width: 800, height: 600, method: "scale" });
  });

  test("beyond the recommended sizes, each dimension rounds up to a power of two", () => {
    expect(chooseThumbnailSize(100, 100, "crop")).toEqual({ width: 128, height: 128, method: "crop" });
    expect(chooseThumbnailSize(1600, 1200, "scale")).toEqual({ width: 2048, height: 2048, method: "scale" });
    expect(chooseThumbnailSize(4096, 4000, "scale")).toEqual({ width: 4096, height: 4096, method: "scale" });
  });

  test("scale fits inside the box and never upscales", () => {
    expect(thumbnailGeometry(1000, 800, { width: 320, height: 240, method: "scale" })).toMatchObject({
      width: 300,
      height: 240,
    });
    expect(thumbnailGeometry(4000, 1000, { width: 320, height: 240, method: "scale" })).toMatchObject({
      width: 320,
      height: 80,
    });
    expect(thumbnailGeometry(100, 50, { width: 320, height: 240, method: "scale" })).toMatchObject({
      width: 100,
      height: 50,
    });
  });

  test("crop takes the centred region of the box's aspect ratio, scaled down but never up", () => {
    expect(thumbnailGeometry(1000, 800, { width: 96, height: 96, method: "crop" })).toEqual({
      crop: { x: 100, y: 0, width: 800, height: 800 },
      width: 96,
      height: 96,
    });
    expect(thumbnailGeometry(50, 200, { width: 96, height: 96, method: "crop" })).toEqual({
      crop: { x: 0, y: 75, width: 50, height: 50 },
      width: 50,
      height: 50,
    });
    expect(thumbnailGeometry(400, 300, { width: 256, height: 128, method: "crop" })).toEqual({
      crop: { x: 0, y: 50, width: 400, height: 200 },
      width: 256,
      height: 128,
    });
  });
});
