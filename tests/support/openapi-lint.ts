/**
 * Lints the OpenAPI document that createApp serves with Redocly CLI and the rules in
 * redocly.yaml. Used by tests/api/openapi-lint.test.ts; `npm run lint:openapi` (this file
 * run directly) prints the linter's report.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestServer } from "./server.ts";

const ROOT = join(import.meta.dir, "../..");

export interface LintResult {
  errors: number;
  warnings: number;
  /** The linter's own report, for a failing test's message. */
  report: string;
}

/** The document as GET /_bunduit/openapi.json answers it on a default test server. */
export async function servedOpenApiDocument(): Promise<unknown> {
  const server = createTestServer();
  try {
    return (await server.get("/_bunduit/openapi.json")).body;
  } finally {
    server.close();
  }
}

export async function lintOpenApi(document: unknown): Promise<LintResult> {
  const dir = mkdtempSync(join(tmpdir(), "bunduit-openapi-"));
  try {
    const file = join(dir, "openapi.json");
    writeFileSync(file, JSON.stringify(document, null, 2));
    // Run under bun, so the linter does not depend on the machine's node; no usage data,
    // no update check (redocly.yaml says telemetry: off too).
    const run = (format: string) =>
      Bun.spawnSync(
        [
          process.execPath,
          join(ROOT, "node_modules/.bin/redocly"),
          "lint",
          "--config",
          join(ROOT, "redocly.yaml"),
          `--format=${format}`,
          "--max-problems=1000",
          file,
        ],
        {
          cwd: dir,
          env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", NO_COLOR: "1" },
        },
      );
    const json = run("json");
    const text = json.stdout.toString();
    let problems: { severity: string }[];
    try {
      problems = (JSON.parse(text.slice(text.indexOf("{"))) as { problems: { severity: string }[] }).problems;
    } catch {
      throw new Error(`the linter did not report JSON (exit ${json.exitCode}):\n${text}\n${json.stderr.toString()}`);
    }
    const errors = problems.filter((p) => p.severity === "error").length;
    const warnings = problems.filter((p) => p.severity === "warn").length;
    const report = errors + warnings > 0 ? run("stylish").stdout.toString() : "";
    return { errors, warnings, report };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const result = await lintOpenApi(await servedOpenApiDocument());
  console.log(result.report || "no problems");
  console.log(`${result.errors} errors, ${result.warnings} warnings`);
  process.exit(result.errors > 0 ? 1 : 0);
}
