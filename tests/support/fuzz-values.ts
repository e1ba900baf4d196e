/**
 * The values the fuzzer builds requests from: a seeded random source, a valid example of a
 * JSON schema (the base a mutation breaks one part of), and the hostile values themselves.
 */

/** mulberry32: small, fast and the same sequence for the same seed on every machine. */
export function seededRandom(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (below: number) => Math.floor(next() * below),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    chance: (p: number) => next() < p,
  };
}
export type Random = ReturnType<typeof seededRandom>;

/** JSON text placed as is: numbers JSON.stringify cannot write (1e400) and lone surrogates. */
export class RawJson {
  constructor(readonly text: string) {}
}

export function serialize(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(serialize).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${serialize(v)}`)
      .join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  const?: unknown;
  enum?: unknown[];
  minimum?: number;
  minLength?: number;
  minItems?: number;
  default?: unknown;
  additionalProperties?: boolean | JsonSchema;
  patternProperties?: Record<string, JsonSchema>;
}

/** A value the schema accepts, as small as it allows; `named` gives real ids for known property names. */
export function exampleOf(
  schema: JsonSchema | undefined,
  named: (name: string) => unknown,
  name = "",
  depth = 0,
): unknown {
  if (!schema || depth > 8) return {};
  const known = name ? named(name) : undefined;
  if (known !== undefined) return known;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants?.length) return exampleOf(variants[0], named, name, depth + 1);
  if (schema.allOf?.length) return Object.assign({}, ...schema.allOf.map((s) => exampleOf(s, named, name, depth + 1)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "object": {
      const out: Record<string, unknown> = {};
      for (const key of schema.required ?? []) out[key] = exampleOf(schema.properties?.[key], named, key, depth + 1);
      return out;
    }
    case "array":
      return Array.from({ length: schema.minItems ?? 0 }, () => exampleOf(schema.items, named, "", depth + 1));
    case "string":
      return "fuzz".padEnd(schema.minLength ?? 0, "z");
    case "integer":
    case "number":
      return schema.minimum !== undefined && schema.minimum > 1 ? schema.minimum : 1;
    case "boolean":
      return true;
    case "null":
      return null;
    default:
      return schema.default ?? {};
  }
}

/** Property paths into a schema's object properties, for mutating one field. */
export function propertyPaths(schema: JsonSchema | undefined, prefix: string[] = [], depth = 0): string[][] {
  if (!schema || depth > 4) return [];
  const variant = schema.anyOf?.[0] ?? schema.oneOf?.[0];
  if (variant) return propertyPaths(variant, prefix, depth + 1);
  return Object.entries(schema.properties ?? {}).flatMap(([key, child]) => [
    [...prefix, key],
    ...propertyPaths(child, [...prefix, key], depth + 1),
  ]);
}

export function setPath(base: unknown, path: string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const object =
    base && typeof base === "object" && !Array.isArray(base) ? { ...(base as Record<string, unknown>) } : {};
  object[path[0]!] = setPath(object[path[0]!], path.slice(1), value);
  return object;
}

/** A value nested `depth` deep, as JSON text (a recursive serializer would overflow first). */
export function nested(depth: number, kind: "array" | "object"): RawJson {
  return new RawJson(
    kind === "array" ? `${"[".repeat(depth)}1${"]".repeat(depth)}` : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`,
  );
}

/** Numbers a JSON parser accepts but Matrix does not: out of range, fractional, negative, beyond 2^53. */
export const HOSTILE_NUMBERS = [
  "1e400",
  "-1e400",
  "-1",
  "18446744073709551616",
  "9007199254740993",
  "1.5",
  "-0",
  "1e-400",
  "0.1e1",
].map((n) => new RawJson(n));

/** Numbers JavaScript holds exactly but that are extreme for a count, a timeout or a timestamp. */
export const EDGE_NUMBERS = [0, -9007199254740991, 9007199254740991, 2 ** 31, 2 ** 32, 1e308, -1e308, 5e-324];

/** Strings of the right type and the wrong content: empty, control characters, wrong sigils, huge, lone surrogates. */
export const HOSTILE_STRINGS: string[] = [
  "",
  "\u0000",
  "\u0000\u0001@a:b",
  "@:",
  "!x:",
  "$",
  "#:",
  "@fuzz:test.local:99999999999999999999",
  "@FUZZ:test.local",
  "../../etc/passwd",
  "%00",
  "m.room.create",
  "a".repeat(70_000),
  "\u202e",
  "\ud800",
  "\ud83d\ude00".repeat(1_000),
];

export const WRONG_TYPES: unknown[] = [null, 0, -1, 1.5, "", "x", [], {}, true, [1, "a", null], { "": null }];

/** Path segments: empty, huge, wrong sigils, NUL, dot segments, broken percent-encoding. */
export const HOSTILE_SEGMENTS: { raw: string }[] = [
  "",
  "a".repeat(10_000),
  "!notaroom",
  "@nouser",
  "#noalias:test.local",
  "$noevent",
  "%00",
  "..",
  "%2e%2e",
  "%2F",
  "%",
  "%ff%fe",
  "%F0%9F%98%80",
  "@:",
  "!x:",
  "@fuzz:test.local:999999999999",
  "%20",
  "null",
  "-1",
  "1e400",
  "18446744073709551616",
  "1.5",
  "%E2%80%AE",
].map((raw) => ({ raw }));

export const HOSTILE_QUERY_VALUES = [
  "",
  "x".repeat(10_000),
  "-1",
  "1e400",
  "18446744073709551616",
  "1.5",
  "NaN",
  "%00",
  "true",
  "[]",
  "{}",
  "!",
  "@",
  "%ff",
  "9007199254740993",
  "-0",
];

/** Bodies that are not JSON text at all, or not valid UTF-8. */
export const BROKEN_BODIES: (string | Uint8Array)[] = [
  new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
  new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]),
  new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]),
  new Uint8Array([0x00, 0x7b, 0x7d]),
  "{",
  "nul",
  "",
  '{"a":1}garbage',
  '{"a":"\\ud800"}',
  '{"a":1,"a":2}',
  "[".repeat(5_000),
];
