// The rules of docs/architecture.md ("Rules the tests enforce"), checked on the source of src/
// instead of at review (the checks are in tests/support/architecture-rules.ts). Each lists every
// breach with its file and line, so a failure says what to change; the last block shows each
// check catching what it is for on a small example.
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  at,
  coreCycles,
  entryPointBreaches,
  layerBreaches,
  layerOf,
  lineCount,
  literals,
  MAX_LINES,
  moduleStateBreaches,
  packageBreaches,
  sourceFile,
  SQL,
  sqlBreaches,
} from "./support/architecture-rules.ts";

const REPO = join(import.meta.dir, "..");

// ---------------------------------------------------------------------------------------------
// The rules, on src/

const sources = [...new Bun.Glob("src/**/*.ts").scanSync(REPO)]
  .sort()
  .map((path) => sourceFile(path, readFileSync(join(REPO, path), "utf8")));

describe("src/ follows the rules of docs/architecture.md", () => {
  test("imports point api → core → storage, with matrix/ a leaf (type imports included)", () => {
    expect(sources.flatMap(layerBreaches)).toEqual([]);
  });

  test("nothing imports main.ts; only main.ts and cli/ import app.ts and cli/", () => {
    expect(sources.flatMap(entryPointBreaches)).toEqual([]);
  });

  test("elysia only in api/ and app.ts, bun:sqlite only in storage/, matrix/ uses no package that does I/O", () => {
    expect(sources.flatMap(packageBreaches)).toEqual([]);
  });

  test("no import cycle between the folders of core/ (type imports included)", () => {
    expect(coreCycles(sources)).toEqual([]);
  });

  test("no SQL outside storage/, and no statement run on the raw database handle", () => {
    expect(sources.flatMap(sqlBreaches)).toEqual([]);
  });

  test(`no file in src/ is longer than ${MAX_LINES} lines`, () => {
    const long = sources
      .filter((file) => lineCount(file.text) > MAX_LINES)
      .map((file) => `${file.path}: ${lineCount(file.text)} lines`);
    expect(long).toEqual([]);
  });

  test("no utils or helpers modules: a module is named for what it does", () => {
    expect(sources.map((file) => file.path).filter((path) => /\/(utils?|helpers?)(\/|\.ts$)/.test(path))).toEqual([]);
  });

  test("no module-level mutable state outside main.ts, unless marked `// module-state: why`", () => {
    expect(sources.flatMap(moduleStateBreaches)).toEqual([]);
  });

  test("every module of storage/ has its contract test, tests/storage/<module>.test.ts, against :memory:", () => {
    const storageModules = sources
      .filter((file) => /^src\/storage\/[^/]+\.ts$/.test(file.path))
      .map((file) => file.path.slice("src/storage/".length, -".ts".length));
    expect(storageModules.length).toBeGreaterThan(30);
    const testOf = (module: string) => join(REPO, "tests/storage", `${module}.test.ts`);
    expect(storageModules.filter((module) => !existsSync(testOf(module)))).toEqual([]);
    // A contract test opens an in-memory database (directly, or through tests/support/stores.ts).
    expect(
      storageModules.filter((module) => !/memoryStores\(|":memory:"/.test(readFileSync(testOf(module), "utf8"))),
    ).toEqual([]);
  });

  test("the SQL pattern recognises every SQL string in storage/, so the SQL rule sees SQL", () => {
    const keyword = /\b(SELECT|INSERT|UPDATE|DELETE|FROM|WHERE|PRAGMA|JOIN|VALUES|ORDER BY|CONFLICT)\b/;
    const storageLiterals = sources
      .filter((file) => layerOf(file.path) === "storage")
      .flatMap((file) => literals(file).map((literal) => ({ file, literal })));
    const missed = storageLiterals
      .filter(({ literal }) => keyword.test(literal.text) && !SQL.test(literal.text))
      .map(({ file, literal }) => `${at(file, literal.line)}: ${JSON.stringify(literal.text.slice(0, 80))}`);
    expect(missed).toEqual([]);
    expect(storageLiterals.filter(({ literal }) => SQL.test(literal.text)).length).toBeGreaterThan(200);
  });
});

// ---------------------------------------------------------------------------------------------
// The checks themselves, on small examples

describe("each check catches what it is for", () => {
  const file = (path: string, text: string) => sourceFile(path, text);

  test("the tokenizer skips comments, regular expressions and template text, and reads type imports", () => {
    const example = file(
      "src/core/x.ts",
      [
        'import type { A } from "../api/a.ts";',
        '// import { B } from "../api/b.ts";',
        "const quote = /\"'`/g;",
        'const text = `${"a" + `b${1}`} "not a string`;',
        'export { type C } from "./c.ts";',
        'const later = () => import("../storage/d.ts");',
      ].join("\n"),
    );
    expect(example.imports.map(({ specifier, kind, line }) => `${line} ${kind} ${specifier}`)).toEqual([
      "1 type ../api/a.ts",
      "5 static ./c.ts",
      "6 call ../storage/d.ts",
    ]);
    expect(example.tokens.filter((token) => token.kind === "regex").map((token) => token.text)).toEqual(["/\"'`/g"]);
  });

  test("layers: core importing api/ (even a type), matrix/ importing storage/, storage/ importing core/", () => {
    expect(layerBreaches(file("src/core/x.ts", 'import type { A } from "../api/a.ts";'))).toEqual([
      "src/core/x.ts:1 (core) imports src/api/a.ts (api)",
    ]);
    expect(
      layerBreaches(file("src/matrix/x.ts", 'import { E } from "../errors.ts";\nimport { S } from "../storage/s.ts";')),
    ).toEqual(["src/matrix/x.ts:2 (matrix) imports src/storage/s.ts (storage)"]);
    expect(layerBreaches(file("src/storage/x.ts", 'import { C } from "../core/c.ts";'))).toHaveLength(1);
    expect(
      layerBreaches(file("src/api/x.ts", 'import { C } from "../core/c.ts";\nimport { M } from "../matrix/m.ts";')),
    ).toEqual([]);
    expect(layerBreaches(file("src/config.ts", 'import { isServerName } from "./matrix/ids.ts";'))).toEqual([]);
    expect(layerBreaches(file("src/errors.ts", 'import { isServerName } from "./matrix/ids.ts";'))).toEqual([
      "src/errors.ts:1 (leaf) imports src/matrix/ids.ts (matrix)",
    ]);
    expect(entryPointBreaches(file("src/core/x.ts", 'import { T } from "../app.ts";'))).toEqual([
      "src/core/x.ts:1 imports src/app.ts",
    ]);
    expect(entryPointBreaches(file("src/cli/x.ts", 'import { T } from "../app.ts";'))).toEqual([]);
    expect(
      packageBreaches(
        file("src/core/x.ts", 'import type { Database } from "bun:sqlite";\nimport { Elysia } from "elysia";'),
      ),
    ).toHaveLength(2);
    expect(
      packageBreaches(file("src/matrix/x.ts", 'import { existsSync, readFileSync } from "node:fs";')),
    ).toHaveLength(1);
  });

  test("core cycles: two areas importing each other, one of them only a type, are reported with their imports", () => {
    const cycles = coreCycles([
      file("src/core/a/one.ts", 'import { b } from "../b/two.ts";'),
      file("src/core/b/two.ts", 'import type { A } from "../a/sub/three.ts";'),
      file("src/core/c.ts", 'import { b } from "./b/two.ts";'),
    ]);
    expect(cycles).toEqual([
      "cycle a → b → a among {a, b}:\n  a → b:\n    src/core/a/one.ts:1 imports src/core/b/two.ts\n  b → a:\n    src/core/b/two.ts:1 imports src/core/a/sub/three.ts",
    ]);
  });

  test("SQL: a statement or clause in a string outside storage/, or a statement run on a db handle; not prose", () => {
    const breaches = sqlBreaches(
      file(
        "src/core/x.ts",
        [
          'const a = "SELECT user_id FROM users WHERE user_id = ?";',
          "const b = `DELETE FROM devices WHERE ${condition}`;",
          'const c = " AND device_id = ?";',
          "stores.db.transaction(() => 1)();",
          'const prose = "How often the server checks (a cheap PRAGMA data_version).";',
          'const method = "DELETE";',
          'const select = "Select the room to join";',
          "const match = /^x$/.exec(text);",
        ].join("\n"),
      ),
    );
    expect(breaches.map((breach) => breach.split(" ")[0])).toEqual([
      "src/core/x.ts:1",
      "src/core/x.ts:2",
      "src/core/x.ts:3",
      "src/core/x.ts:4",
    ]);
    expect(sqlBreaches(file("src/storage/x.ts", 'const a = db.query("SELECT x FROM t");'))).toEqual([]);
  });

  test("module state: top-level let, changed collections and literals, stateful new, global regexes; not constants or marked caches", () => {
    const breaches = moduleStateBreaches(
      file(
        "src/core/x.ts",
        [
          "let counter = 0;",
          "const byId = new Map<string, number>();",
          "export function remember(id: string) { byId.set(id, 1); }",
          "const options = { verbose: false };",
          "export const loud = () => { options.verbose = true; };",
          "const emitter = new EventEmitter();",
          "const words = /\\w+/g;",
          "export const nextWord = (text: string) => words.exec(text);",
          "const KNOWN = new Set(['a', 'b']);",
          "const TABLE = { a: 1 } as const;",
          "const encoder = new TextEncoder();",
          "// Parsing costs more than a lookup.",
          "// module-state: a bounded cache of parsed paths",
          "const parsed = new Map<string, string[]>();",
          "export const parse = (path: string) => { parsed.set(path, []); };",
          "function local() { let inside = 1; const m = new Map(); m.set(1, inside); }",
          "const SPACES = /\\s+/g;",
          "export const squash = (text: string) => text.replace(SPACES, ' ');",
        ].join("\n"),
      ),
    );
    expect(breaches.map((breach) => breach.split(" ")[0])).toEqual([
      "src/core/x.ts:1",
      "src/core/x.ts:2",
      "src/core/x.ts:4",
      "src/core/x.ts:6",
      "src/core/x.ts:7",
    ]);
    expect(moduleStateBreaches(file("src/main.ts", "let server;"))).toEqual([]);
  });
});
