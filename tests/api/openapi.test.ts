import { expect, test } from "bun:test";
import { openApiPath } from "../../src/api/openapi.ts";
import { createTestServer } from "../support/server.ts";

test("the OpenAPI document lists every mounted route", async () => {
  const server = createTestServer();
  const res = await server.get("/_bunduit/openapi.json");
  expect(res.status).toBe(200);
  expect(res.body.openapi).toBe("3.1.0");
  const documented = new Set<string>();
  for (const [path, methods] of Object.entries(res.body.paths as Record<string, Record<string, unknown>>)) {
    for (const method of Object.keys(methods)) documented.add(`${method.toUpperCase()} ${path}`);
  }
  const mounted = server.app.routes
    .filter((r) => !r.path.startsWith("/_bunduit/") && r.method !== "OPTIONS")
    .map((r) => `${r.method} ${openApiPath(r.path)}`);
  expect(mounted.length).toBeGreaterThan(0);
  for (const route of mounted) expect(documented).toContain(route);
});

test("the readable API page is self-contained HTML", async () => {
  const res = await createTestServer().get("/_bunduit/api");
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/html");
  expect(res.body).toContain("/_matrix/client/versions");
  expect(res.body).not.toContain("<script");
});
