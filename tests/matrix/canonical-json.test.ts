import { describe, expect, test } from "bun:test";
import { CanonicalJsonError, MAX_JSON_DEPTH, canonicalJson } from "../../src/matrix/canonical-json.ts";
import { MatrixError } from "../../src/errors.ts";

/** `{"a":{"a":…1…}}` with `levels` objects. */
function nestedObjects(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

function nestedArrays(levels: number): unknown {
  let value: unknown = [];
  for (let i = 1; i < levels; i++) value = [value];
  return value;
}

function refusal(value: unknown): CanonicalJsonError {
  try {
    canonicalJson(value);
  } catch (error) {
    if (error instanceof CanonicalJsonError) return error;
    throw error;
  }
  throw new Error("canonicalJson accepted the value");
}

describe("canonicalJson", () => {
  test("sorts keys by code point and drops whitespace", () => {
    expect(canonicalJson({ b: 1, a: [true, null, "x"], "\u{1F600}": 0, "\uE000": 0 })).toBe(
      '{"a":[true,null,"x"],"b":1,"\uE000":0,"\u{1F600}":0}',
    );
  });

  test(`accepts ${MAX_JSON_DEPTH} levels of arrays and objects and refuses one more, as a 400 M_BAD_JSON`, () => {
    expect(canonicalJson(nestedObjects(MAX_JSON_DEPTH))).toStartWith('{"a":{"a":');
    expect(canonicalJson(nestedArrays(MAX_JSON_DEPTH))).toBe(
      `${"[".repeat(MAX_JSON_DEPTH)}${"]".repeat(MAX_JSON_DEPTH)}`,
    );
    for (const value of [nestedObjects(MAX_JSON_DEPTH + 1), nestedArrays(MAX_JSON_DEPTH + 1)]) {
      const error = refusal(value);
      expect(error).toBeInstanceOf(MatrixError);
      expect(error.errcode).toBe("M_BAD_JSON");
      expect(error.status).toBe(400);
      expect(error.message).toContain(`${MAX_JSON_DEPTH} levels`);
    }
  });

  test("content nested 10,000 and 100,000 deep is refused, not a stack overflow", () => {
    expect(refusal(nestedObjects(10_000)).message).toContain("levels");
    expect(refusal(nestedArrays(100_000)).message).toContain("levels");
  });

  test("floats, infinities and integers beyond ±(2^53−1) are refused, naming the number", () => {
    expect(refusal({ n: 1.5 }).message).toContain("only integers, got 1.5");
    expect(refusal({ n: JSON.parse("1e400") }).message).toContain("out of range: Infinity");
    expect(refusal({ n: -Infinity }).message).toContain("out of range: -Infinity");
    expect(refusal({ n: NaN }).message).toContain("NaN");
    expect(refusal({ n: 2 ** 53 }).message).toContain("integer out of range");
    expect(refusal([-(2 ** 53)]).message).toContain("integer out of range");
    expect(canonicalJson({ max: 2 ** 53 - 1, min: -(2 ** 53 - 1), zero: -0 })).toBe(
      '{"max":9007199254740991,"min":-9007199254740991,"zero":0}',
    );
  });
});
