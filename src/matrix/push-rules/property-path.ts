/**
 * Dot-separated property paths: `content.m\.relates_to.rel_type` names `rel_type` inside
 * `m.relates_to` inside `content`. `\.` is a literal dot and `\\` a literal backslash; any
 * other backslash is itself. https://spec.matrix.org/v1.19/appendices/#dot-separated-property-paths
 */

const MAX_PARSED = 1024;
// module-state: a cache of parsed paths (each push rule's conditions are read on every event),
// bounded by MAX_PARSED; a pure function of its key, so sharing it between servers is harmless.
const parsed = new Map<string, readonly string[]>();

export function parsePropertyPath(path: string): readonly string[] {
  let segments = parsed.get(path);
  if (segments !== undefined) return segments;
  const result: string[] = [];
  let current = "";
  for (let i = 0; i < path.length; i++) {
    const char = path[i];
    const next = path[i + 1];
    if (char === "\\" && (next === "." || next === "\\")) {
      current += next;
      i++;
    } else if (char === ".") {
      result.push(current);
      current = "";
    } else {
      current += char;
    }
  }
  result.push(current);
  segments = result;
  if (parsed.size >= MAX_PARSED) parsed.delete(parsed.keys().next().value as string);
  parsed.set(path, segments);
  return segments;
}

/** The value at `path` in `event`, or undefined when a step is missing or not an object. */
export function propertyAt(event: object, path: string): unknown {
  let value: unknown = event;
  for (const segment of parsePropertyPath(path)) {
    if (typeof value !== "object" || value === null || Array.isArray(value) || !Object.hasOwn(value, segment))
      return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}
