import { describe, expect, test } from "bun:test";
import { openDatabase } from "../../src/storage/database.ts";
import { createMediaStore } from "../../src/storage/media.ts";

describe("media store", () => {
  const db = openDatabase(":memory:");
  const store = createMediaStore(db);
  const sha = "ab".repeat(32);
  const uploaded = {
    media_id: "m1",
    user_id: "@a:x",
    sha256: sha,
    content_type: "text/plain",
    filename: null,
    size: 3,
    uploaded_ts: 1000,
  };

  test("a media row needs its content row; both read back with their column names", () => {
    expect(() => store.insertMedia(uploaded)).toThrow(/FOREIGN KEY/);
    store.insertFile(sha, 3, 1000);
    store.insertFile(sha, 3, 2000);
    store.insertMedia(uploaded);
    expect(store.selectFile(sha)).toEqual({ sha256: sha, size: 3 });
    expect(store.selectMedia("m1")).toEqual({ ...uploaded, created_ts: 1000, unused_expires_ts: null });
    expect(store.selectMedia("nope")).toBeUndefined();
  });

  test("pending rows count per user until filled or expired", () => {
    store.insertPendingMedia("p1", "@b:x", 1000, 5000);
    store.insertPendingMedia("p2", "@b:x", 1000, 9000);
    expect(store.selectPendingCount("@b:x", 2000)).toEqual({ count: 2, earliest: 5000 });
    expect(store.updatePendingMediaContent({ ...uploaded, media_id: "p1" })).toBe(true);
    expect(store.updatePendingMediaContent({ ...uploaded, media_id: "p1" })).toBe(false);
    expect(store.selectPendingCount("@b:x", 2000)).toEqual({ count: 1, earliest: 9000 });
    expect(store.deleteExpiredPending(9000)).toBe(1);
    expect(store.selectMedia("p2")).toBeUndefined();
  });

  test("deleting media returns the content hashes; thumbnails go with their content", () => {
    store.insertThumbnail(
      { sha256: sha, width: 32, height: 32, method: "crop", content_type: "image/png", size: 10 },
      1000,
    );
    expect(store.selectThumbnail(sha, 32, 32, "crop")?.size).toBe(10);
    expect(store.countMediaBySha256(sha)).toBe(2);
    expect(store.deleteMedia("m1")).toBe(sha);
    expect(store.deleteMedia("m1")).toBeUndefined();
    expect(store.deleteMediaCreatedBefore(1001)).toEqual([sha]);
    expect(store.countMediaBySha256(sha)).toBe(0);
    store.deleteFile(sha);
    expect(store.selectThumbnailsBySha256(sha)).toEqual([]);
  });
});
