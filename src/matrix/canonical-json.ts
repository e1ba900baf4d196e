/**
 * Canonical JSON as the spec's appendix defines it: object keys sorted by
 * code point, no insignificant whitespace, UTF-8 as is (no \u escapes beyond
 * what JSON requires), and integers only (the spec forbids floats in signed
 * JSON). https://spec.matrix.org/v1.19/appendices/#canonical-json
 */
import { MatrixError } from "../errors.ts";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type JsonObject = { [key: string]: JsonValue };

export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * How deep arrays and objects may nest, counting the outermost as 1. Matrix content is
 * shallow (a poll start event is about 6 deep inside its event); servers built on
 * serde_json (Conduit and its forks, everything on ruma) refuse JSON nested 128 deep, so
 * nothing deeper could travel between servers anyway. 100 leaves room for the envelopes
 * around content (an event, a createRoom body's initial_state) under that. The HTTP edge
 * refuses request bodies past the same limit.
 */
export const MAX_JSON_DEPTH = 100;

/**
 * A value that has no canonical JSON form: a float, an integer outside ±(2^53−1), a value
 * nested deeper than MAX_JSON_DEPTH, or something JSON cannot hold. Such content came from
 * a request, so it is the request's fault: 400 M_BAD_JSON wherever it is thrown.
 */
export class CanonicalJsonError extends MatrixError {
  constructor(problem: string) {
    super("M_BAD_JSON", problem);
    this.name = "CanonicalJsonError";
  }
}

export function canonicalJson(value: unknown): string {
  return encode(value, 0);
}

/** Recursion bounded by MAX_JSON_DEPTH: a few hundred frames at most, far from the stack's limit. */
function encode(value: unknown, depth: number): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isInteger(value)) {
        throw new CanonicalJsonError(
          Number.isFinite(value)
            ? `canonical JSON allows only integers, got ${value}`
            : `number out of range: ${value}`,
        );
      }
      if (!Number.isSafeInteger(value))
        throw new CanonicalJsonError(`integer out of range (canonical JSON allows ±(2^53−1)): ${value}`);
      return String(value);
    case "object": {
      if (value === null) return "null";
      if (depth >= MAX_JSON_DEPTH) throw new CanonicalJsonError(`JSON nested more than ${MAX_JSON_DEPTH} levels deep`);
      if (Array.isArray(value)) return `[${value.map((item) => encode(item, depth + 1)).join(",")}]`;
      const object = value as Record<string, unknown>;
      // Code point order: compare by UTF-16 code units is the same as code point order
      // except for surrogate pairs versus U+E000..U+FFFF, so compare code points explicitly.
      const keys = Object.keys(object)
        .filter((k) => object[k] !== undefined)
        .sort(compareCodePoints);
      return `{${keys.map((k) => `${JSON.stringify(k)}:${encode(object[k], depth + 1)}`).join(",")}}`;
    }
    default:
      throw new CanonicalJsonError(`cannot encode a ${typeof value} as canonical JSON`);
  }
}

function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const ca = ia.next();
    const cb = ib.next();
    if (ca.done || cb.done) return ca.done ? (cb.done ? 0 : -1) : 1;
    const diff = ca.value.codePointAt(0)! - cb.value.codePointAt(0)!;
    if (diff !== 0) return diff;
  }
}
