/**
 * Renders docs/configuration.md from GlobalConfigSchema (src/config.ts), so the reference
 * cannot drift from what the loader accepts. `npm run docs:config` rewrites the file;
 * tests/docs/configuration.test.ts fails when it is stale.
 *
 * Every schema shape TypeBox offers is rendered (literals and unions, arrays, optional
 * keys, records, nested tables, arrays of tables); a key without a description is an error.
 */
import { Kind, OptionalKind, type TObject, type TSchema } from "@sinclair/typebox";
import { join } from "node:path";
import { envKeyPath, GlobalConfigSchema } from "../src/config.ts";

export const CONFIGURATION_MD = join(import.meta.dir, "configuration.md");

type Schema = TSchema & Record<string, unknown>;

const kindOf = (schema: Schema): string => String(schema[Kind] ?? "Unknown");
const isOptional = (schema: Schema): boolean => schema[OptionalKind] === "Optional";
const isTable = (schema: Schema): boolean => kindOf(schema) === "Object";
const propertiesOf = (schema: Schema): [string, Schema][] =>
  Object.entries((schema.properties ?? {}) as Record<string, Schema>);

/** A TypeBox record keeps its value schema under one `patternProperties` entry. */
function recordValue(schema: Schema): Schema {
  const patterns = Object.values((schema.patternProperties ?? {}) as Record<string, Schema>);
  return patterns[0] ?? (schema.additionalProperties as Schema);
}

/** A value written as TOML, the way an operator would type it in conduit.toml. */
export function tomlValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value === null || value === undefined) return "(unset)";
  if (Array.isArray(value)) return `[${value.map(tomlValue).join(", ")}]`;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return "{}";
  const key = (k: string) => (/^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k));
  return `{ ${entries.map(([k, v]) => `${key(k)} = ${tomlValue(v)}`).join(", ")} }`;
}

/** A short human name for a schema's type: `string`, `"a" | "b"`, `array of string`, `table`. */
export function typeName(schema: Schema): string {
  const kind = kindOf(schema);
  switch (kind) {
    case "String":
      return schema.format ? `string (${String(schema.format)})` : "string";
    case "Integer":
      return "integer";
    case "Number":
      return "number";
    case "Boolean":
      return "boolean";
    case "Null":
      return "null";
    case "Literal":
      return tomlValue(schema.const);
    case "Union":
      return [...new Set(((schema.anyOf ?? []) as Schema[]).map(typeName))].join(" | ");
    case "Array": {
      const item = typeName(schema.items as Schema);
      return `array of ${item.includes(" | ") ? `(${item})` : item}`;
    }
    case "Tuple":
      return `[${((schema.items ?? []) as Schema[]).map(typeName).join(", ")}]`;
    case "Object":
    case "Intersect":
      return "table";
    case "Record":
      return `table of ${typeName(recordValue(schema))}`;
    default:
      return kind === "Any" || kind === "Unknown" ? "any value" : kind.toLowerCase();
  }
}

/** Bounds and formats a schema declares, in words. */
function constraints(schema: Schema): string[] {
  const out: string[] = [];
  const say = (key: string, text: (v: unknown) => string) => schema[key] !== undefined && out.push(text(schema[key]));
  say("minimum", (v) => `≥ ${v}`);
  say("exclusiveMinimum", (v) => `> ${v}`);
  say("maximum", (v) => `≤ ${v}`);
  say("exclusiveMaximum", (v) => `< ${v}`);
  say("minLength", (v) => `at least ${v} character${v === 1 ? "" : "s"}`);
  say("maxLength", (v) => `at most ${v} characters`);
  say("pattern", (v) => `matches \`${v}\``);
  say("minItems", (v) => `at least ${v} item${v === 1 ? "" : "s"}`);
  say("maxItems", (v) => `at most ${v} items`);
  if (schema.uniqueItems) out.push("no duplicates");
  return out;
}

/** `["well_known", "client"]` → CONDUIT_WELL_KNOWN__CLIENT, which the loader maps at any depth. */
export function envName(path: string[]): string {
  return `CONDUIT_${path.join("__").toUpperCase()}`;
}

/**
 * Conduit's one-underscore form (CONDUIT_WELL_KNOWN_CLIENT) for a key one table down, when
 * the loader really maps it to that key: CONDUIT_TURN_URIS is the flat `turn_uris`, not `turn.uris`.
 */
function singleUnderscoreName(root: TObject, path: string[]): string | undefined {
  if (path.length !== 2) return undefined;
  const name = path.join("_");
  return envKeyPath(name, root)?.join(".") === path.join(".") ? `CONDUIT_${name.toUpperCase()}` : undefined;
}

function requireDescription(schema: Schema, path: string): string {
  const description = schema.description;
  if (typeof description !== "string" || description.trim() === "") {
    throw new Error(
      `config key "${path}" has no description: every key in GlobalConfigSchema needs one (src/config.ts)`,
    );
  }
  return description.trim();
}

/** The table schemas a value can hold: itself, array items, record values, union members. */
function nestedTables(schema: Schema): Schema[] {
  switch (kindOf(schema)) {
    case "Object":
      return [schema];
    case "Array":
      return nestedTables(schema.items as Schema);
    case "Record":
      return nestedTables(recordValue(schema));
    case "Union":
      return ((schema.anyOf ?? []) as Schema[]).flatMap(nestedTables);
    case "Intersect":
      return ((schema.allOf ?? []) as Schema[]).flatMap(nestedTables);
    default:
      return [];
  }
}

/** Fields of tables held inside a value (array items, record values), as nested bullets. */
function fieldBullets(table: Schema, path: string, indent: string): string[] {
  const lines: string[] = [];
  for (const [name, field] of propertiesOf(table)) {
    const fieldPath = `${path}.${name}`;
    const facts = [typeName(field)];
    if (field.default !== undefined) facts.push(`default \`${tomlValue(field.default)}\``);
    else facts.push(isOptional(field) ? "optional" : "required");
    facts.push(...constraints(field));
    lines.push(`${indent}- \`${name}\` (${facts.join(", ")}): ${requireDescription(field, fieldPath)}`);
    for (const inner of nestedTables(field)) lines.push(...fieldBullets(inner, fieldPath, `${indent}  `));
  }
  return lines;
}

/** A union member named by its literal field (`type = "livekit"`), else by its position. */
function variantName(table: Schema, index: number): string {
  const tag = propertiesOf(table).find(([, field]) => kindOf(field) === "Literal");
  return tag ? `with \`${tag[0]} = ${tomlValue(tag[1].const)}\`` : `form ${index + 1}`;
}

function keyEntry(root: TObject, schema: Schema, path: string[]): string[] {
  const dotted = path.join(".");
  const lines = [`### \`${dotted}\``, "", requireDescription(schema, dotted), ""];
  lines.push(`- Type: \`${typeName(schema)}\``);
  if (schema.default !== undefined) lines.push(`- Default: \`${tomlValue(schema.default)}\``);
  else lines.push(isOptional(schema) ? "- Default: unset" : "- Required");
  const bounds = constraints(schema);
  if (bounds.length > 0) lines.push(`- Allowed: ${bounds.join(", ")}`);
  const alias = singleUnderscoreName(root, path);
  lines.push(`- Environment: \`${envName(path)}\`${alias ? ` (or \`${alias}\`)` : ""}`);
  const tables = nestedTables(schema);
  const holder = { Array: "Each item", Record: "Each value" }[kindOf(schema)] ?? "A table value";
  if (tables.length === 1) {
    lines.push(`- ${holder} is a table with:`);
    lines.push(...fieldBullets(tables[0]!, dotted, "  "));
  } else if (tables.length > 1) {
    lines.push(`- ${holder} is one of these tables:`);
    tables.forEach((table, i) => {
      lines.push(`  - ${variantName(table, i)}:`);
      lines.push(...fieldBullets(table, dotted, "    "));
    });
  }
  lines.push("");
  return lines;
}

/** One `## [global.x]` section per table, its plain keys first, then its sub-tables. */
function tableSection(root: TObject, schema: Schema, path: string[]): string[] {
  const header = `[${["global", ...path].join(".")}]`;
  const lines = [`## \`${header}\``, ""];
  if (path.length > 0) {
    lines.push(requireDescription(schema, path.join(".")), "");
    if (isOptional(schema) && schema.default === undefined) {
      lines.push("The table is optional: when it is absent none of its keys apply, not even their defaults.", "");
    }
    if (schema.additionalProperties === true) lines.push("Keys not listed here are accepted without a warning.", "");
  }
  const subTables: [string, Schema][] = [];
  for (const [name, child] of propertiesOf(schema)) {
    if (isTable(child)) {
      subTables.push([name, child]);
      continue;
    }
    lines.push(...keyEntry(root, child, [...path, name]));
  }
  if (subTables.length > 0 && path.length === 0) {
    lines.push(`Tables: ${subTables.map(([name]) => `\`[global.${name}]\``).join(", ")}, below.`, "");
  }
  for (const [name, child] of subTables) lines.push(...tableSection(root, child, [...path, name]));
  return lines;
}

const PREAMBLE = `# Configuration reference

<!-- Generated from GlobalConfigSchema in src/config.ts by docs/generate-configuration.ts.
     Do not edit by hand: change the schema, then run \`npm run docs:config\`. -->

bunduit reads one TOML file, Conduit's \`conduit.toml\`; every setting lives in its
\`[global]\` table, and a Conduit operator's file works unchanged. The file is found in this
order: \`--config FILE\`, then \`$CONDUIT_CONFIG\`, then \`./conduit.toml\`; with none of them the
built-in defaults apply. A file that is empty or has no \`[global]\` table is refused (as Conduit
refuses it), rather than silently running on the defaults. A key may be left out unless it is marked Required below.
\`conduit.toml\` in the repository is a commented example; \`bunduit check-config\` validates
a file and prints the effective configuration with secrets masked.

Environment variables override the file:

- \`CONDUIT_<KEY>\` sets a \`[global]\` key: \`CONDUIT_PORT=8008\`, \`CONDUIT_SERVER_NAME=example.org\`.
- \`CONDUIT_<TABLE>__<KEY>\` (two underscores) sets a key of a sub-table, at any depth:
  \`CONDUIT_WELL_KNOWN__CLIENT=https://matrix.example.org\`. One level down, Conduit's single
  underscore works too where it names no \`[global]\` key (\`CONDUIT_WELL_KNOWN_CLIENT\`;
  but \`CONDUIT_TURN_URIS\` is the flat \`turn_uris\`): each key below lists the names it answers to.
- A value is read as a TOML value when it parses as one (\`8008\`, \`true\`,
  \`["a.org", "b.org"]\`, \`{ role = "m.role.admin" }\`) and as a string otherwise.
- \`CONDUIT_CONFIG\` names the file; any other \`CONDUIT_*\` variable that names no key is
  reported at start and ignored, as are unknown keys in the file.

Problems are reported all at once, with the file and (where it can be found) the line, or\nthe environment variable that set the value, and the server does not start.

`;

/** The whole of docs/configuration.md. */
export function renderConfiguration(schema: TObject = GlobalConfigSchema): string {
  return `${PREAMBLE}${tableSection(schema, schema as Schema, [])
    .join("\n")
    .trimEnd()}\n`;
}

if (import.meta.main) {
  await Bun.write(CONFIGURATION_MD, renderConfiguration());
  process.stdout.write(`wrote ${CONFIGURATION_MD}\n`);
}
