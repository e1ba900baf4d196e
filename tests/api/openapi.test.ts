import { expect, test } from "bun:test";
import { openApiPath } from "../../src/api/openapi.ts";
import { createTestServer } from "../support/server.ts";

type Operation = {
  operationId: string;
  tags: string[];
  summary: string;
  security: Record<string, string[]>[];
  parameters: { name: string; in: string; required: boolean }[];
  requestBody?: unknown;
  responses: Record<string, { $ref?: string }>;
};

async function documentOperations() {
  const server = createTestServer();
  const res = await server.get("/_bunduit/openapi.json");
  server.close();
  const operations: [string, string, Operation][] = [];
  for (const [path, methods] of Object.entries(res.body.paths as Record<string, Record<string, Operation>>)) {
    for (const [method, operation] of Object.entries(methods)) operations.push([method.toUpperCase(), path, operation]);
  }
  return {
    document: res.body,
    operations,
    find: (method: string, path: string) => operations.find(([m, p]) => m === method && p === path)![2],
  };
}

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
    .map((r) => `${r.method} ${openApiPath(r.path, (r.hooks as { detail?: { summary?: string } }).detail?.summary)}`);
  server.close();
  expect(mounted.length).toBeGreaterThan(0);
  for (const route of mounted) expect(documented).toContain(route);
});

test("every operation says whether it needs a token, from the route's auth option", async () => {
  const { document, find } = await documentOperations();
  // The spec's scheme names: the Authorization header, or the deprecated access_token query parameter.
  expect(document.components.securitySchemes.accessTokenBearer).toEqual(
    expect.objectContaining({ type: "http", scheme: "bearer" }),
  );
  expect(document.components.securitySchemes.accessTokenQuery).toEqual(
    expect.objectContaining({ type: "apiKey", in: "query", name: "access_token" }),
  );
  const token: Record<string, string[]>[] = [{ accessTokenBearer: [] }, { accessTokenQuery: [] }];
  expect(find("GET", "/_matrix/client/v3/account/whoami").security).toEqual(token);
  expect(find("GET", "/_matrix/client/versions").security).toEqual([]);
  // The unstable delayed-event actions accept a delay_id alone (MSC4140) or a token.
  expect(find("POST", "/_matrix/client/unstable/org.matrix.msc4140/delayed_events/{delayId}").security).toEqual([
    {},
    ...token,
  ]);
  expect(find("POST", "/_matrix/client/v1/appservice/{appserviceId}/ping").security).toEqual(token);
});

test("every path parameter is declared, the state key included", async () => {
  const { operations, find } = await documentOperations();
  for (const [method, path, operation] of operations) {
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!).sort();
    const declared = operation.parameters
      .filter((p) => p.in === "path")
      .map((p) => p.name)
      .sort();
    expect({ operation: `${method} ${path}`, params: declared }).toEqual({
      operation: `${method} ${path}`,
      params: templated,
    });
  }
  const put = find("PUT", "/_matrix/client/v3/rooms/{roomId}/state/{eventType}/{stateKey}");
  expect(put.parameters.find((p) => p.name === "stateKey")).toEqual(
    expect.objectContaining({ in: "path", required: true }),
  );
});

test("operationIds are unique; every operation has tags, a summary, and a documented Matrix error", async () => {
  const { document, operations, find } = await documentOperations();
  const ids = operations.map(([, , o]) => o.operationId);
  expect(new Set(ids).size).toBe(ids.length);
  expect(document.components.schemas.MatrixError.required).toEqual(["errcode", "error"]);
  for (const [method, path, operation] of operations) {
    const where = `${method} ${path}`;
    expect({ where, tags: operation.tags.length > 0, summary: operation.summary !== "" }).toEqual({
      where,
      tags: true,
      summary: true,
    });
    expect(operation.responses.default).toEqual({ $ref: "#/components/responses/Error" });
    // Input or a token means the operation can be refused with a 4xx, and says so.
    const takesSomething =
      operation.parameters.length > 0 || operation.requestBody !== undefined || operation.security.length > 0;
    const fourxx = Object.keys(operation.responses).filter((s) => s.startsWith("4"));
    if (takesSomething) expect({ where, documented: fourxx.length > 0 }).toEqual({ where, documented: true });
    if (operation.security.length > 0) expect(operation.responses["401"]).toBeDefined();
  }
  // Behind user-interactive auth, a 401 is the auth state (flows, session), not a plain error.
  expect(find("POST", "/_matrix/client/v3/register").responses["401"]).toEqual({
    $ref: "#/components/responses/UserInteractiveAuth",
  });
  expect(find("POST", "/_matrix/client/v3/account/password").responses["401"]).toEqual({
    $ref: "#/components/responses/UserInteractiveAuth",
  });
  expect(find("GET", "/_matrix/client/v3/account/whoami").responses["401"]).toEqual({
    $ref: "#/components/responses/Unauthorized",
  });
  for (const [name, response] of Object.entries(
    document.components.responses as Record<string, { content: Record<string, { schema: { anyOf?: unknown[] } }> }>,
  )) {
    const schema = response.content["application/json"]!.schema;
    expect({
      name,
      matrixError: (schema.anyOf ?? [schema]).some(
        (s) => JSON.stringify(s) === '{"$ref":"#/components/schemas/MatrixError"}',
      ),
    }).toEqual({ name, matrixError: true });
  }
});

test("the readable API page is self-contained HTML and shows which endpoints need a token", async () => {
  const server = createTestServer();
  const res = await server.get("/_bunduit/api");
  server.close();
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/html");
  expect(res.body).toContain("/_matrix/client/versions");
  expect(res.body).toMatch(/<code>\/_matrix\/client\/v3\/account\/whoami<\/code><\/td><td>token \(guests too\)<\/td>/);
  expect(res.body).toMatch(/<code>\/_matrix\/client\/versions<\/code><\/td><td>none<\/td>/);
  expect(res.body).not.toContain("<script");
});
