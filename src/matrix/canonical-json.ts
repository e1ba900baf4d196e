/**
 * Canonical JSON as the spec's appendix defines it: object keys sorted by
 * code point, no insignificant whitespace, UTF-8 as is (no \u escapes beyond
 * what JSON requires), and integers only (the spec forbids floats in signed
 * JSON). https://spec.matrix.org/v1.19/appendices/#canonical-json
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type JsonObject = { [key: string]: JsonValue };

export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export class CanonicalJsonError extends Error {}

export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isInteger(value)) throw new CanonicalJsonError(`canonical JSON allows only integers, got ${value}`);
      if (!Number.isSafeInteger(value)) throw new CanonicalJsonError(`integer out of range: ${value}`);
      return String(value);
    case "object": {
      if (value === null) return "null";
      if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
      const object = value as Record<string, unknown>;
      // Code point order: compare by UTF-16 code units is the same as code point order
      // except for surrogate pairs versus U+E000..U+FFFF, so compare code points explicitly.
      const keys = Object.keys(object).filter((k) => object[k] !== undefined).sort(compareCodePoints);
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(object[k])}`).join(",")}}`;
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
