// The checks behind tests/architecture.test.ts: each takes the source of one file (or all of
// them) and returns its breaches of a rule of docs/architecture.md as "file:line what" lines.
import { dirname, join, normalize } from "node:path";
import { importReferences, tokenize, type ImportReference, type Token } from "./source-tokens.ts";

export interface SourceFile {
  /** Relative to the repository, e.g. "src/core/rooms/index.ts". */
  path: string;
  text: string;
  tokens: Token[];
  /** `target` is a relative specifier as a repository path; packages ("elysia", "bun:sqlite") have none. */
  imports: (ImportReference & { target?: string })[];
}

export function sourceFile(path: string, text: string): SourceFile {
  const tokens = tokenize(text);
  const imports = importReferences(tokens).map((reference) => ({
    ...reference,
    target: reference.specifier.startsWith(".") ? normalize(join(dirname(path), reference.specifier)) : undefined,
  }));
  return { path, text, tokens, imports };
}

export const at = (file: SourceFile, line: number) => `${file.path}:${line}`;

// ---------------------------------------------------------------------------------------------
// Layers

type Layer = "main" | "cli" | "app" | "api" | "core" | "storage" | "matrix" | "leaf" | "outside";

/**
 * main.ts and cli/ are the process edge: cli/ holds the operator commands main.ts dispatches,
 * which open the database and build the services themselves (taking the thumbnail worker's
 * location from app.ts). app.ts is the composition root. The other files at the top of src/
 * (config, config-sections, errors, logger, version) are leaves.
 */
export function layerOf(path: string): Layer {
  if (!path.startsWith("src/")) return "outside";
  if (path === "src/main.ts") return "main";
  if (path === "src/app.ts") return "app";
  const folder = path.split("/")[1]!;
  if (folder === "cli" || folder === "api" || folder === "core" || folder === "storage" || folder === "matrix")
    return folder;
  return "leaf";
}

/** The layers each layer may import from (its own included). */
const MAY_IMPORT: Record<Exclude<Layer, "outside">, readonly Layer[]> = {
  main: ["cli", "app", "api", "core", "storage", "matrix", "leaf"],
  cli: ["cli", "app", "core", "storage", "matrix", "leaf"],
  app: ["api", "core", "storage", "matrix", "leaf"],
  api: ["api", "core", "matrix", "leaf"],
  core: ["core", "storage", "matrix", "leaf"],
  storage: ["storage", "matrix", "leaf"],
  // The protocol, without I/O: besides itself, only MatrixError (errors.ts, a leaf itself).
  matrix: ["matrix"],
  // Anyone may import matrix/, the leaves too; but errors.ts, which matrix/ imports, imports nothing of ours.
  leaf: ["leaf", "matrix"],
};
const MATRIX_MAY_ALSO_IMPORT = new Set(["src/errors.ts"]);
/** The one file outside src/ that src/ reads: the version comes from package.json. */
const OUTSIDE_FILES_ALLOWED = new Set(["package.json"]);

/** Packages only some layers may import. */
const PACKAGES_ONLY_IN: Record<string, readonly Layer[]> = {
  elysia: ["api", "app"],
  "bun:sqlite": ["storage"],
};
/** matrix/ does no I/O: these are the only packages it may use. */
const MATRIX_PACKAGES = new Set(["node:crypto", "@sinclair/typebox"]);
const packageOf = (specifier: string) =>
  specifier
    .split("/")
    .slice(0, specifier.startsWith("@") ? 2 : 1)
    .join("/");

export function layerBreaches(file: SourceFile): string[] {
  const from = layerOf(file.path);
  if (from === "outside") return [];
  return file.imports
    .filter(({ target }) => {
      if (target === undefined) return false;
      const to = layerOf(target);
      if (to === "outside") return !OUTSIDE_FILES_ALLOWED.has(target);
      if (MATRIX_MAY_ALSO_IMPORT.has(file.path)) return true;
      return !MAY_IMPORT[from].includes(to) && !(from === "matrix" && MATRIX_MAY_ALSO_IMPORT.has(target));
    })
    .map(({ target, line }) => `${at(file, line)} (${from}) imports ${target} (${layerOf(target!)})`);
}

export function entryPointBreaches(file: SourceFile): string[] {
  const from = layerOf(file.path);
  return file.imports
    .filter(({ target }) => {
      const to = target && layerOf(target);
      return to === "main" || ((to === "app" || to === "cli") && from !== "main" && from !== "cli");
    })
    .map(({ target, line }) => `${at(file, line)} imports ${target}`);
}

export function packageBreaches(file: SourceFile): string[] {
  const layer = layerOf(file.path);
  const breaches: string[] = [];
  for (const { specifier, target, line } of file.imports) {
    if (target !== undefined) continue;
    const name = packageOf(specifier);
    const onlyIn = PACKAGES_ONLY_IN[name];
    if (onlyIn && !onlyIn.includes(layer))
      breaches.push(`${at(file, line)} imports ${name} (only ${onlyIn.join(" and ")} may)`);
    if (layer === "matrix" && !MATRIX_PACKAGES.has(name))
      breaches.push(`${at(file, line)} imports ${name} (matrix/ uses only ${[...MATRIX_PACKAGES].join(", ")})`);
  }
  return breaches;
}

// ---------------------------------------------------------------------------------------------
// Folder cycles in core

/** The area of a core file: the folder directly under core/ ("rooms" for core/rooms/membership/join.ts), or the file at its top ("clock.ts"). */
const coreAreaOf = (path: string) => path.split("/")[2]!;

/** Strongly connected components of a graph (Tarjan), each sorted. */
function stronglyConnected(graph: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      components.push(component.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return components;
}

/** The shortest path from one node to another through `within` (breadth first), both ends included. */
function shortestPath(graph: Map<string, Set<string>>, from: string, to: string, within: Set<string>): string[] {
  const previous = new Map<string, string>();
  const queue = [from];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const next of [...(graph.get(node) ?? [])].sort()) {
      if (!within.has(next) || previous.has(next)) continue;
      previous.set(next, node);
      if (next === to) {
        const path = [to];
        while (path[0] !== from) path.unshift(previous.get(path[0]!)!);
        return path;
      }
      queue.push(next);
    }
  }
  return [from, to];
}

/**
 * Each set of core areas that import each other, directly or around a loop: one loop spelled
 * out, then every import between the set's areas (the edges to cut are among them).
 */
export function coreCycles(files: SourceFile[]): string[] {
  const graph = new Map<string, Set<string>>();
  const sites = new Map<string, string[]>(); // "rooms → timeline" → the imports that make that edge
  for (const file of files.filter((source) => layerOf(source.path) === "core")) {
    const from = coreAreaOf(file.path);
    if (!graph.has(from)) graph.set(from, new Set());
    for (const { target, line } of file.imports) {
      if (!target || layerOf(target) !== "core" || coreAreaOf(target) === from) continue;
      const to = coreAreaOf(target);
      graph.get(from)!.add(to);
      const edge = `${from} → ${to}`;
      sites.set(edge, [...(sites.get(edge) ?? []), `${at(file, line)} imports ${target}`]);
    }
  }
  return stronglyConnected(graph)
    .filter((component) => component.length > 1)
    .map((component) => {
      const members = new Set(component);
      const start = component[0]!;
      const next = [...graph.get(start)!].filter((area) => members.has(area)).sort()[0]!;
      const loop = [start, ...shortestPath(graph, next, start, members)];
      const edges = [...sites.entries()]
        .filter(([edge]) => edge.split(" → ").every((area) => members.has(area)))
        .map(([edge, imports]) => `  ${edge}:\n    ${imports.join("\n    ")}`);
      return `cycle ${loop.join(" → ")} among {${component.join(", ")}}:\n${edges.join("\n")}`;
    });
}

// ---------------------------------------------------------------------------------------------
// SQL only in storage/

/**
 * What a string of SQL looks like in this codebase: upper-case keywords in a statement's shape
 * around lower-case table and column names (`SELECT … FROM t`, `INSERT INTO t`, `UPDATE t SET c`,
 * `DELETE FROM t`, DDL, a whole `PRAGMA x` or transaction statement), or one of the clauses
 * statements are assembled from (`FROM t WHERE`, `WHERE c =`, `AND c = ?`, `ORDER BY c`,
 * `VALUES (?`, `ON CONFLICT`, a bare `SELECT `). Prose in an error or a config description does
 * not take that shape ("a cheap PRAGMA data_version" is not a whole statement). A test below checks
 * that the pattern recognises every SQL string in storage/, so it cannot silently go blind.
 */
export const SQL = new RegExp(
  [
    /\bSELECT\s[\s\S]*?\bFROM\s+[a-z_]/,
    /^\s*SELECT(\s+DISTINCT)?\s*$/,
    /\bINSERT\s+(OR\s+[A-Z]+\s+)?INTO\s+[a-z_]/,
    /\bREPLACE\s+INTO\s+[a-z_]/,
    /\bUPDATE\s+(OR\s+[A-Z]+\s+)?[a-z_]+\s+SET\s+[a-z_]/,
    /\bDELETE\s+FROM\s+[a-z_]/,
    /\b(CREATE|DROP|ALTER)\s+(UNIQUE\s+|TEMP\s+|VIRTUAL\s+)?(TABLE|INDEX|VIEW|TRIGGER)\s/,
    /^\s*PRAGMA\s+[a-z_]+\s*($|[=(;])/,
    /^\s*((BEGIN|COMMIT|END|ROLLBACK)(\s+(DEFERRED|IMMEDIATE|EXCLUSIVE))?(\s+TRANSACTION)?|(SAVEPOINT|RELEASE|ROLLBACK\s+TO)\s+[a-z_]+)\s*;?\s*$/,
    /\bFROM\s+[a-z_]+(\s+[a-z]+)?\s+(WHERE|ORDER\s+BY|GROUP\s+BY|LIMIT|JOIN|CROSS\s+JOIN|LEFT\s+JOIN|INDEXED\s+BY)\b/,
    /\bWHERE\s+[a-z_.]+\s*(=|<|>|!=|IN\b|IS\b|LIKE\b|BETWEEN\b)/,
    /\b(AND|OR)\s+[a-z_.]+\s*(=|<|>|!=|IS\b|IN\b)\s*(\?|\$|NULL|NOT|[0-9']|\()/,
    /\bORDER\s+BY\s+[a-z_.(]/,
    /\bVALUES\s*\(\s*[?$]/,
    /\bON\s+CONFLICT\b/,
  ]
    .map((part) => part.source)
    .join("|"),
);

/** bun:sqlite's Database methods that run statements, called on a handle named `db` (or `stores.db`). */
const DATABASE_METHODS = new Set(["query", "prepare", "exec", "run", "transaction"]);

export const literals = (file: SourceFile) =>
  file.tokens.filter((token) => token.kind === "string" || token.kind === "template");

export function sqlBreaches(file: SourceFile): string[] {
  if (layerOf(file.path) === "storage") return [];
  const breaches = literals(file)
    .filter((literal) => SQL.test(literal.text))
    .map((literal) => `${at(file, literal.line)} has SQL: ${JSON.stringify(literal.text.slice(0, 60))}`);
  file.tokens.forEach((token, k) => {
    const [dot, method, open] = file.tokens.slice(k + 1, k + 4);
    if (
      token.kind === "name" &&
      token.text === "db" &&
      dot?.text === "." &&
      method &&
      DATABASE_METHODS.has(method.text) &&
      open?.text === "("
    ) {
      breaches.push(
        `${at(file, token.line)} runs ${file.tokens[k - 1]?.text === "." ? "….db" : "db"}.${method.text}() on the raw database handle`,
      );
    }
  });
  return breaches;
}

// ---------------------------------------------------------------------------------------------
// File size

/**
 * The style is "files about 300 lines, split along real seams". 400 is the hard stop: the largest
 * file today (matrix/ids.ts, the identifier grammars) is under 360 lines, so a file may grow past
 * 300 while its seam shows, but a 460-line fan-out like the one the style guide warns about
 * (conduit's append_pdu) cannot come back.
 */
export const MAX_LINES = 400;

export const lineCount = (text: string) => text.split("\n").length - (text.endsWith("\n") ? 1 : 0);

// ---------------------------------------------------------------------------------------------
// Module-level mutable state

/** Marks a documented exception, in the comment right above the declaration or at the end of its line. */
const MODULE_STATE_MARKER = /\/\/.*\bmodule-state:\s*\S/;

/** Collections that are constant tables when filled once and never changed afterwards. */
const COLLECTIONS = new Set(["Map", "Set", "WeakMap", "WeakSet", "Array"]);
/** What `new` may build at the top level: values whose state never changes. */
const IMMUTABLE_CLASSES = new Set(["URL", "TextEncoder", "TextDecoder", "RegExp"]);
/** Methods that change the array, map or set they are called on. */
const MUTATING_METHODS = new Set([
  "push",
  "pop",
  "shift",
  "unshift",
  "splice",
  "sort",
  "reverse",
  "fill",
  "copyWithin",
  "set",
  "delete",
  "clear",
  "add",
]);
const ASSIGNMENTS = new Set([
  "=",
  "+=",
  "-=",
  "*=",
  "/=",
  "%=",
  "**=",
  "<<=",
  ">>=",
  "&=",
  "|=",
  "^=",
  "&&=",
  "||=",
  "??=",
  "++",
  "--",
]);

/** The index of the bracket that closes the one at `open`. */
function closing(tokens: Token[], open: number): number {
  const depth = tokens[open]!.depth;
  let k = open + 1;
  while (k < tokens.length && !(tokens[k]!.depth === depth && /^[)\]}]$/.test(tokens[k]!.text))) k++;
  return k;
}

/** The lines that change what `name` holds: `x.a = …`, `x[k] += …`, `x.push(…)`, `x.m.set(…)`, `delete x.a`, `Object.assign(x, …)`. */
function mutationsOf(tokens: Token[], name: string): number[] {
  const lines: number[] = [];
  tokens.forEach((token, k) => {
    if (token.kind !== "name" || token.text !== name) return;
    const before = tokens[k - 1]?.text;
    if (before === "." || before === "?." || before === "const") return;
    if (before === "delete" || before === "++" || before === "--") return void lines.push(token.line);
    if (before === "(" && tokens[k - 2]?.text === "assign" && tokens[k - 4]?.text === "Object")
      return void lines.push(token.line);
    let j = k + 1;
    let member: string | undefined;
    for (;;) {
      const next = tokens[j]?.text;
      if ((next === "." || next === "?.") && tokens[j + 1]?.kind === "name") {
        member = tokens[j + 1]!.text;
        j += 2;
      } else if (next === "!") {
        j++;
      } else if (next === "[") {
        member = "[]";
        j = closing(tokens, j) + 1;
      } else break;
    }
    const after = tokens[j]?.text;
    if (
      member !== undefined &&
      after !== undefined &&
      ((after === "(" && MUTATING_METHODS.has(member)) || ASSIGNMENTS.has(after))
    )
      lines.push(token.line);
  });
  return lines;
}

/**
 * Whether a global (g or y) regular expression's lastIndex carries over between uses: `test` and
 * `exec` read and move it; `replace`, `match`, `matchAll` and `split` start from 0 each time.
 */
function usesLastIndex(tokens: Token[], name: string): boolean {
  return tokens.some(
    (token, k) =>
      token.text === name &&
      tokens[k - 1]?.text !== "." &&
      tokens[k + 1]?.text === "." &&
      ["test", "exec", "lastIndex"].includes(tokens[k + 2]?.text ?? ""),
  );
}

export function moduleStateBreaches(file: SourceFile): string[] {
  if (file.path === "src/main.ts") return [];
  const lines = file.text.split("\n");
  const marked = (line: number) => {
    if (MODULE_STATE_MARKER.test(lines[line - 1]!)) return true;
    for (let above = line - 2; above >= 0 && /^\s*(\/\/|\/\*|\*)/.test(lines[above]!); above--) {
      if (MODULE_STATE_MARKER.test(lines[above]!)) return true;
    }
    return false;
  };
  const breaches: string[] = [];
  const report = (line: number, what: string) => {
    if (!marked(line)) breaches.push(`${at(file, line)} ${what}`);
  };
  const { tokens } = file;
  tokens.forEach((token, k) => {
    if (token.depth !== 0 || token.kind !== "name" || tokens[k - 1]?.text === ".") return;
    if (token.text === "let" || token.text === "var")
      return report(token.line, `declares \`${token.text} ${tokens[k + 1]?.text}\` at the top level`);
    if (token.text !== "const" || tokens[k + 2]?.text !== "=") return;
    const name = tokens[k + 1]!.text;
    const value = tokens[k + 3];
    if (value?.text === "new") {
      const className = tokens[k + 4]?.text ?? "";
      if (COLLECTIONS.has(className)) {
        const changed = mutationsOf(tokens, name);
        if (changed.length > 0)
          report(token.line, `holds a ${className} \`${name}\` that is changed (line ${changed.join(", ")})`);
      } else if (className === "RegExp") {
        const [comma, flags] = tokens.slice(k + 6, closing(tokens, k + 5)).slice(-2);
        if (
          comma?.text === "," &&
          comma.depth === 1 &&
          flags?.kind === "string" &&
          /[gy]/.test(flags.text) &&
          usesLastIndex(tokens, name)
        ) {
          report(token.line, `holds a global RegExp \`${name}\` whose lastIndex the file uses (state)`);
        }
      } else if (!IMMUTABLE_CLASSES.has(className)) {
        report(token.line, `holds \`new ${className}\` in \`${name}\``);
      }
    } else if (value?.text === "[" || value?.text === "{") {
      const changed = mutationsOf(tokens, name);
      if (changed.length > 0)
        report(token.line, `holds a literal \`${name}\` that is changed (line ${changed.join(", ")})`);
    } else if (value?.kind === "regex" && /\/[a-z]*[gy][a-z]*$/.test(value.text) && usesLastIndex(tokens, name)) {
      report(token.line, `holds a global regular expression \`${name}\` whose lastIndex the file uses (state)`);
    }
  });
  return breaches;
}
