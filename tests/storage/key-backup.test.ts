import { describe, expect, test } from "bun:test";
import { memoryStores } from "../support/stores.ts";

const session = (index: number) => ({
  first_message_index: index,
  forwarded_count: 0,
  is_verified: 1,
  session_data: `{"i":${index}}`,
});

describe("key backup store", () => {
  test("version numbers count deleted versions and are per user; the current version is the newest not deleted", () => {
    const s = memoryStores();
    expect(s.keyBackup.insertVersion("@a:hs", "alg", "{}")).toBe(1);
    expect(s.keyBackup.insertVersion("@a:hs", "alg", '{"v":2}')).toBe(2);
    expect(s.keyBackup.selectCurrentVersion("@a:hs")?.version).toBe(2);
    s.keyBackup.updateDeleted("@a:hs", 2);
    expect(s.keyBackup.selectCurrentVersion("@a:hs")?.version).toBe(1);
    s.keyBackup.updateDeleted("@a:hs", 1);
    expect(s.keyBackup.selectCurrentVersion("@a:hs")).toBeNull();
    expect(s.keyBackup.selectVersion("@a:hs", 2)).toEqual({
      version: 2,
      algorithm: "alg",
      auth_data: '{"v":2}',
      etag: 0,
      deleted: 1,
    });
    expect(s.keyBackup.insertVersion("@a:hs", "alg", "{}")).toBe(3);
    expect(s.keyBackup.insertVersion("@b:hs", "alg", "{}")).toBe(1);
  });

  test("auth data is updated and the etag counts changes", () => {
    const s = memoryStores();
    const version = s.keyBackup.insertVersion("@a:hs", "alg", "{}");
    s.keyBackup.updateAuthData("@a:hs", version, '{"new":true}');
    s.keyBackup.bumpEtag("@a:hs", version);
    s.keyBackup.bumpEtag("@a:hs", version);
    expect(s.keyBackup.selectVersion("@a:hs", version)).toMatchObject({ auth_data: '{"new":true}', etag: 2 });
  });

  test("one session per (version, room, session id), replaced on upload; deleted by session, room or version", () => {
    const s = memoryStores();
    const v1 = s.keyBackup.insertVersion("@a:hs", "alg", "{}");
    const v2 = s.keyBackup.insertVersion("@a:hs", "alg", "{}");
    s.keyBackup.upsertSession("@a:hs", v1, "!r", "s1", session(5));
    s.keyBackup.upsertSession("@a:hs", v1, "!r", "s1", session(2));
    s.keyBackup.upsertSession("@a:hs", v1, "!r", "s2", session(0));
    s.keyBackup.upsertSession("@a:hs", v1, "!q", "s1", session(0));
    s.keyBackup.upsertSession("@a:hs", v2, "!r", "s1", session(9));
    expect(s.keyBackup.selectSession("@a:hs", v1, "!r", "s1")).toEqual({
      room_id: "!r",
      session_id: "s1",
      ...session(2),
    });
    expect(
      s.keyBackup
        .selectSessionsOfRoom("@a:hs", v1, "!r")
        .map((row) => row.session_id)
        .sort(),
    ).toEqual(["s1", "s2"]);
    expect(s.keyBackup.countSessions("@a:hs", v1)).toBe(3);
    expect(s.keyBackup.deleteSession("@a:hs", v1, "!r", "s2")).toBe(1);
    expect(s.keyBackup.deleteSessionsOfRoom("@a:hs", v1, "!r")).toBe(1);
    expect(s.keyBackup.selectSessions("@a:hs", v1).map((row) => row.room_id)).toEqual(["!q"]);
    expect(s.keyBackup.deleteSessions("@a:hs", v1)).toBe(1);
    expect(s.keyBackup.countSessions("@a:hs", v2)).toBe(1);
  });
});
