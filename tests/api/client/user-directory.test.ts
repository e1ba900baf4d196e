import { describe, expect, test } from "bun:test";
import { createUser, pathId } from "../../support/fixtures.ts";
import { createTestServer } from "../../support/server.ts";

const SEARCH = "/_matrix/client/v3/user_directory/search";

describe("POST /user_directory/search", () => {
  test("finds local users by user id and display name, case-insensitively", async () => {
    const server = createTestServer();
    const me = await createUser(server, "searcher");
    const ann = await createUser(server, "ann");
    await createUser(server, "bob");
    await server.put(`/_matrix/client/v3/profile/${pathId(ann.user_id)}/displayname`, { displayname: "Annabel Lee" }, { token: ann.access_token });
    const byName = await server.post(SEARCH, { search_term: "annabel" }, { token: me.access_token });
    expect(byName.status).toBe(200);
    expect(byName.body).toEqual({ results: [{ user_id: "@ann:test.local", display_name: "Annabel Lee" }], limited: false });
    expect((await server.post(SEARCH, { search_term: "BOB" }, { token: me.access_token })).body.results).toEqual([
      { user_id: "@bob:test.local", display_name: "bob" },
    ]);
    expect((await server.post(SEARCH, { search_term: "%" }, { token: me.access_token })).body.results).toEqual([]);
  });

  test("honours the limit and says when it cut the results", async () => {
    const server = createTestServer();
    const me = await createUser(server, "me");
    for (const name of ["team1", "team2", "team3"]) await createUser(server, name, null);
    const res = await server.post(SEARCH, { search_term: "team", limit: 2 }, { token: me.access_token });
    expect(res.body.results.length).toBe(2);
    expect(res.body.limited).toBe(true);
  });

  test("leaves out deactivated users and guests", async () => {
    const server = createTestServer({ allow_guest_registration: true });
    const me = await createUser(server, "me");
    const gone = await createUser(server, "gonegirl");
    server.services.accounts.deactivate(gone.user_id);
    const guest = (await server.post("/_matrix/client/v3/register?kind=guest", {})).body;
    expect((await server.post(SEARCH, { search_term: "gonegirl" }, { token: me.access_token })).body.results).toEqual([]);
    expect((await server.post(SEARCH, { search_term: guest.user_id.slice(1, 8) }, { token: me.access_token })).body.results).toEqual([]);
  });

  test("needs a search_term and a token", async () => {
    const server = createTestServer();
    const me = await createUser(server);
    expect((await server.post(SEARCH, {}, { token: me.access_token })).body.errcode).toBe("M_MISSING_PARAM");
    expect((await server.post(SEARCH, { search_term: "x" })).body.errcode).toBe("M_MISSING_TOKEN");
  });
});
