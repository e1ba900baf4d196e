/**
 * Elysia builds the message of every validation error (before onError sees it) by printing
 * the whole request body as JSON indented two spaces per level: a body that fails
 * validation costs time and memory proportional to its size times its depth (a 240 KB body
 * nested deep took 42 s; a 20 MB body 100 levels deep would need gigabytes). A schema node
 * that carries an `error` gets that text instead, so every node of every route's body
 * schema gets one. matrix-errors.ts builds the Matrix error from the typebox error
 * itself and never reads this message.
 */
import type { AnyElysia } from "elysia";

/**
 * A string, not a function: for an `error` function Elysia first builds a summary that puts
 * the failing value into a template string, which throws (a 500) for a value such as
 * {"toString": []}. Schema nodes are shared with response schemas, so a response that fails
 * validation gets this text too; matrix-errors.ts logs the failing field and the typebox
 * problem beside it, which is what that log needs.
 */
const MESSAGE = "The request body does not match the schema";

/** Schema keywords whose values are schemas, or maps or lists of them. */
const SUBSCHEMA_KEYWORDS = [
  "properties",
  "patternProperties",
  "$defs",
  "items",
  "prefixItems",
  "additionalProperties",
  "anyOf",
  "allOf",
  "oneOf",
  "not",
  "if",
  "then",
  "else",
  "contains",
];

function markSchema(schema: unknown, seen: WeakSet<object>): void {
  if (typeof schema !== "object" || schema === null || seen.has(schema)) return;
  seen.add(schema);
  // Not enumerable: the OpenAPI document and any copy of the schema leave it out.
  if (!Array.isArray(schema) && !("error" in schema)) {
    Object.defineProperty(schema, "error", { value: MESSAGE, enumerable: false, configurable: true, writable: true });
  }
  for (const keyword of SUBSCHEMA_KEYWORDS) {
    const value = (schema as Record<string, unknown>)[keyword];
    if (typeof value !== "object" || value === null) continue;
    const children =
      keyword === "properties" || keyword === "patternProperties" || keyword === "$defs"
        ? Object.values(value)
        : Array.isArray(value)
          ? value
          : [value];
    for (const child of children) markSchema(child, seen);
  }
}

/** Gives every body schema of `app`'s routes a short validation message; call once all routes are added. */
export function keepValidationMessagesShort(app: AnyElysia): void {
  const seen = new WeakSet<object>();
  for (const route of app.routes) markSchema((route.hooks as { body?: unknown }).body, seen);
}
