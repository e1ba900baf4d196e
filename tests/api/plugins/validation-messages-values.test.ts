/**
 * A field that fails validation with a value JavaScript cannot turn into a string (its
 * toString is not a function) is refused like any other wrong type: found by the fuzzer,
 * where building the validation message threw and answered 500.
 */
import { expect, test } from "bun:test";
import { createUser } from "../../support/fixtures.ts";
import { createTestServer } from "../../support/server.ts";

test("a field holding {toString: []} where a string belongs is 400 M_BAD_JSON, not 500", async () => {
  const server = createTestServer();
  const user = await createUser(server);
  const headers = { "Content-Type": "application/json" };
  const hostile = '{"__proto__":{"a":1},"constructor":{"prototype":{"b":2}},"hasOwnProperty":"x","toString":[]}';
  const requests: [string, string, string][] = [
    ["POST", "/_matrix/client/v3/login", `{"type":${hostile}}`],
    ["POST", "/_matrix/client/v3/refresh", `{"refresh_token":${hostile}}`],
    ["PUT", `/_matrix/client/v3/devices/${user.device_id}`, `{"display_name":${hostile}}`],
    ["POST", "/_matrix/client/v3/user_directory/search", `{"search_term":${hostile}}`],
  ];
  for (const [method, path, raw] of requests) {
    const res = await server.request(method, path, { raw, headers, token: user.access_token });
    expect({ path, status: res.status, errcode: res.body.errcode }).toEqual({
      path,
      status: 400,
      errcode: "M_BAD_JSON",
    });
  }
  server.close();
});
