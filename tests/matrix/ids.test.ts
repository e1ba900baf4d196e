import { describe, expect, test } from "bun:test";
import {
  IdentifierError,
  generateEventIdWithDomain,
  generateOpaqueId,
  generateRoomId,
  isCompliantLocalpart,
  isValidEventId,
  isValidNewLocalpart,
  isValidRoomAlias,
  isValidRoomId,
  isValidServerName,
  isValidUserId,
  parseEventId,
  parseRoomAlias,
  parseRoomId,
  parseServerName,
  parseUserId,
  serverNameOf,
  validateNewLocalpart,
} from "../../src/matrix/ids.ts";
import { ROOM_VERSIONS } from "../../src/matrix/room-versions.ts";

function reasonOf(parse: () => unknown): string {
  try {
    parse();
  } catch (error) {
    if (error instanceof IdentifierError) return error.reason;
    throw error;
  }
  throw new Error("expected an IdentifierError");
}

describe("server names", () => {
  test("accepts the spec's examples", () => {
    expect(parseServerName("matrix.org")).toEqual({ host: "matrix.org", port: undefined });
    expect(parseServerName("matrix.org:8888")).toEqual({ host: "matrix.org", port: 8888 });
    expect(parseServerName("1.2.3.4")).toEqual({ host: "1.2.3.4", port: undefined });
    expect(parseServerName("1.2.3.4:1234")).toEqual({ host: "1.2.3.4", port: 1234 });
    expect(parseServerName("[1234:5678::abcd]")).toEqual({ host: "[1234:5678::abcd]", port: undefined });
    expect(parseServerName("[1234:5678::abcd]:5678")).toEqual({ host: "[1234:5678::abcd]", port: 5678 });
  });

  test("accepts IPv6 literals in their RFC 3513 forms", () => {
    for (const name of ["[::]", "[::1]", "[1:2:3:4:5:6:7:8]", "[::ffff:1.2.3.4]", "[1::]", "[FE80::1]"]) {
      expect(isValidServerName(name)).toBe(true);
    }
    for (const name of [
      "[1:2:3:4:5:6:7:8:9]",
      "[1::2::3]",
      "[12345::]",
      "[1:2:3:4:5:6:7]",
      "[:::]",
      "[1.2.3.4::]",
      "[g::1]",
    ]) {
      expect(isValidServerName(name)).toBe(false);
    }
  });

  test("keeps case: server names are case-sensitive", () => {
    expect(parseServerName("MATRIX.org").host).toBe("MATRIX.org");
  });

  test("names what is wrong", () => {
    expect(reasonOf(() => parseServerName(""))).toContain("empty");
    expect(reasonOf(() => parseServerName(":8448"))).toContain("empty hostname");
    expect(reasonOf(() => parseServerName("matrix.org:"))).toContain("port");
    expect(reasonOf(() => parseServerName("matrix.org:123456"))).toContain("port");
    expect(reasonOf(() => parseServerName("matrix.org:84a"))).toContain('"84a"');
    expect(reasonOf(() => parseServerName("[::1"))).toContain('closing "]"');
    expect(reasonOf(() => parseServerName("[::1]x"))).toContain('"x"');
    expect(reasonOf(() => parseServerName("[1234]"))).toContain("IPv6");
    expect(reasonOf(() => parseServerName("1.2.3.256"))).toContain("IPv4");
    expect(reasonOf(() => parseServerName("exa_mple.com"))).toContain('"_"');
    expect(reasonOf(() => parseServerName("exämple.com"))).toContain('"ä"');
    expect(reasonOf(() => parseServerName("a".repeat(256)))).toContain("255");
  });

  test("the error message quotes the input", () => {
    expect(() => parseServerName("bad name")).toThrow('invalid server name "bad name"');
  });
});

describe("user IDs", () => {
  test("splits at the first colon, so the server name keeps its port", () => {
    expect(parseUserId("@alice:example.org")).toEqual({ localpart: "alice", serverName: "example.org" });
    expect(parseUserId("@alice:example.org:8448")).toEqual({ localpart: "alice", serverName: "example.org:8448" });
    expect(parseUserId("@a:[::1]:8448")).toEqual({ localpart: "a", serverName: "[::1]:8448" });
  });

  test("accepts historical localparts, which events may still carry", () => {
    for (const id of ["@Alice:example.org", "@:example.org", "@日本:example.org", "@a b\u0007:example.org"]) {
      expect(isValidUserId(id)).toBe(true);
    }
  });

  test("names what is wrong", () => {
    expect(reasonOf(() => parseUserId("alice:example.org"))).toContain('start with "@"');
    expect(reasonOf(() => parseUserId("@alice"))).toContain('no ":"');
    expect(reasonOf(() => parseUserId("@a\u0000b:example.org"))).toContain("NUL");
    expect(reasonOf(() => parseUserId("@\uD800:example.org"))).toContain("surrogate");
    expect(reasonOf(() => parseUserId("@alice:exa_mple.org"))).toContain('"_"');
    expect(reasonOf(() => parseUserId(`@${"a".repeat(250)}:example.org`))).toContain("255");
  });

  test("the limit is 255 bytes of UTF-8, not characters", () => {
    const server = ":example.org";
    expect(isValidUserId(`@${"a".repeat(255 - 1 - server.length)}${server}`)).toBe(true);
    expect(isValidUserId(`@${"a".repeat(256 - 1 - server.length)}${server}`)).toBe(false);
    expect(isValidUserId(`@${"é".repeat(100)}${server}`)).toBe(true);
    expect(isValidUserId(`@${"é".repeat(125)}${server}`)).toBe(false);
  });

  test("compliant localparts are non-empty printable ASCII", () => {
    expect(isCompliantLocalpart("Alice!")).toBe(true);
    expect(isCompliantLocalpart("")).toBe(false);
    expect(isCompliantLocalpart("a b")).toBe(false);
    expect(isCompliantLocalpart("日本")).toBe(false);
  });
});

describe("new localparts (registration)", () => {
  test("allow only a-z 0-9 . _ = - / +", () => {
    expect(isValidNewLocalpart("alice")).toBe(true);
    expect(isValidNewLocalpart("a.b_c=d-e/f+g0")).toBe(true);
    for (const localpart of ["Alice", "", "a b", "a:b", "日本", "a*"])
      expect(isValidNewLocalpart(localpart)).toBe(false);
  });

  test("count the whole user ID against 255 bytes when the server name is given", () => {
    expect(isValidNewLocalpart("a".repeat(242), "example.org")).toBe(true);
    expect(isValidNewLocalpart("a".repeat(243), "example.org")).toBe(false);
  });

  test("say which character is not allowed", () => {
    expect(() => validateNewLocalpart("Alice", "example.org")).toThrow('contains "A"');
    expect(() => validateNewLocalpart("", "example.org")).toThrow("empty");
  });
});

describe("room IDs", () => {
  const hashId = "!Nhcu5BS-UMnFX7hBVfVSoXiD7OgH6iRT-xyIuqDnpYQ"; // the spec's v12 example

  test("accept both forms without a room version", () => {
    expect(parseRoomId("!abc:example.org")).toEqual({ opaqueId: "abc", serverName: "example.org" });
    expect(parseRoomId(hashId)).toEqual({ opaqueId: hashId.slice(1), serverName: undefined });
  });

  test("match the form of the given room version", () => {
    expect(isValidRoomId(hashId, ROOM_VERSIONS["12"])).toBe(true);
    expect(isValidRoomId(hashId, ROOM_VERSIONS["11"])).toBe(false);
    expect(isValidRoomId("!abc:example.org", ROOM_VERSIONS["11"])).toBe(true);
    expect(isValidRoomId("!abc:example.org", ROOM_VERSIONS["12"])).toBe(false);
  });

  test("names what is wrong", () => {
    expect(reasonOf(() => parseRoomId("abc:example.org"))).toContain('start with "!"');
    expect(reasonOf(() => parseRoomId("!:example.org"))).toContain("empty");
    expect(reasonOf(() => parseRoomId("!abc"))).toContain("43 characters");
    expect(reasonOf(() => parseRoomId("!Nhcu5BS+UMnFX7hBVfVSoXiD7OgH6iRT/xyIuqDnpYQ"))).toContain("URL-safe");
    expect(reasonOf(() => parseRoomId(hashId, ROOM_VERSIONS["1"]))).toContain("requires");
  });
});

describe("event IDs", () => {
  // Examples from the room version pages.
  const v3Id = "$acR1l0raoZnm60CBwAVgqbZqoO/mYU81xysh1u7XcJk";
  const v4Id = "$Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg";

  test("carry a domain in room versions 1 and 2", () => {
    expect(parseEventId("$0:domain", ROOM_VERSIONS["1"])).toEqual({ opaqueId: "0", serverName: "domain" });
    expect(isValidEventId(v4Id, ROOM_VERSIONS["2"])).toBe(false);
  });

  test("are standard base64 in v3 and URL-safe base64 from v4", () => {
    expect(isValidEventId(v3Id, ROOM_VERSIONS["3"])).toBe(true);
    expect(isValidEventId(v3Id, ROOM_VERSIONS["4"])).toBe(false);
    expect(isValidEventId(v4Id, ROOM_VERSIONS["12"])).toBe(true);
    expect(isValidEventId(v4Id, ROOM_VERSIONS["3"])).toBe(false);
    expect(isValidEventId("$CD66HAED5npg6074c6pDtLKalHjVfYb2q4Q3LZgrW6o")).toBe(true);
    expect(isValidEventId("$0:domain", ROOM_VERSIONS["4"])).toBe(false);
  });

  test("names what is wrong", () => {
    expect(reasonOf(() => parseEventId("0:domain"))).toContain('start with "$"');
    expect(reasonOf(() => parseEventId("$short"))).toContain("43 characters");
    expect(reasonOf(() => parseEventId(v3Id, ROOM_VERSIONS["10"]))).toContain("URL-safe");
    expect(reasonOf(() => parseEventId(`$${"a".repeat(250)}:example.org`))).toContain("255");
  });
});

describe("room aliases", () => {
  test("allow any localpart but ':' and NUL", () => {
    expect(parseRoomAlias("#room:example.org")).toEqual({ localpart: "room", serverName: "example.org" });
    expect(isValidRoomAlias("#日本 Room!:example.org:8448")).toBe(true);
  });

  test("names what is wrong", () => {
    expect(reasonOf(() => parseRoomAlias("room:example.org"))).toContain('start with "#"');
    expect(reasonOf(() => parseRoomAlias("#room"))).toContain('no ":"');
    expect(reasonOf(() => parseRoomAlias("#:example.org"))).toContain("empty");
    expect(reasonOf(() => parseRoomAlias("#a\u0000:example.org"))).toContain("NUL");
    expect(reasonOf(() => parseRoomAlias(`#${"a".repeat(250)}:example.org`))).toContain("255");
  });
});

describe("serverNameOf", () => {
  test("is everything after the first colon, or undefined for hash IDs", () => {
    expect(serverNameOf("@alice:example.org:8448")).toBe("example.org:8448");
    expect(serverNameOf("!abc:[::1]")).toBe("[::1]");
    expect(serverNameOf("$Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg")).toBeUndefined();
  });
});

describe("generated identifiers", () => {
  test("are alphanumeric, of the asked length, and differ", () => {
    const ids = new Set(Array.from({ length: 100 }, () => generateOpaqueId()));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9]{18}$/);
    expect(generateOpaqueId(40)).toHaveLength(40);
  });

  test("make valid room and v1 event IDs", () => {
    expect(isValidRoomId(generateRoomId("example.org"), ROOM_VERSIONS["11"])).toBe(true);
    expect(isValidEventId(generateEventIdWithDomain("example.org"), ROOM_VERSIONS["1"])).toBe(true);
  });
});
