import { expect, test } from "bun:test";
import { lintOpenApi, servedOpenApiDocument } from "../support/openapi-lint.ts";

// Spawns the linter (a few seconds on a loaded machine).
test("the served OpenAPI document passes the linter's recommended rules (redocly.yaml)", async () => {
  const result = await lintOpenApi(await servedOpenApiDocument());
  if (result.errors + result.warnings > 0) console.error(result.report);
  expect({ errors: result.errors, warnings: result.warnings }).toEqual({ errors: 0, warnings: 0 });
}, 60_000);

test("the linter finds a broken document: the check is not vacuous", async () => {
  const document = (await servedOpenApiDocument()) as {
    paths: Record<string, Record<string, { security?: unknown; parameters?: unknown[] }>>;
  };
  const [path, methods] = Object.entries(document.paths).find(([p]) => p.includes("{roomId}"))!;
  const operation = Object.values(methods)[0]!;
  delete operation.security;
  operation.parameters = [];
  const result = await lintOpenApi({ ...document, paths: { ...document.paths, [path]: methods } });
  expect(result.errors).toBeGreaterThanOrEqual(2);
  expect(result.report).toContain("security-defined");
  expect(result.report).toContain("path-parameters-defined");
}, 60_000);
