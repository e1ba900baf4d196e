import { describe, expect, test } from "bun:test";
import { createUser } from "../../support/fixtures.ts";
import { createTestServer } from "../../support/server.ts";

describe("GET /capabilities", () => {
  test("lists what users may do", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    const res = await server.get("/_matrix/client/v3/capabilities", { token: user.access_token });
    expect(res.status).toBe(200);
    const caps = res.body.capabilities;
    expect(caps["m.change_password"]).toEqual({ enabled: true });
    expect(caps["m.room_versions"]).toEqual({
      default: "12",
      available: Object.fromEntries(
        ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"].map((v) => [v, "stable"]),
      ),
    });
    expect(caps["m.set_displayname"]).toEqual({ enabled: true });
    expect(caps["m.set_avatar_url"]).toEqual({ enabled: true });
    expect(caps["m.3pid_changes"]).toEqual({ enabled: false });
    expect(caps["m.get_login_token"]).toEqual({ enabled: false });
  });

  test("tells guests what they cannot do", async () => {
    const server = createTestServer({ allow_guest_registration: true });
    const guest = (await server.post("/_matrix/client/v3/register?kind=guest", {})).body;
    const caps = (await server.get("/_matrix/client/v3/capabilities", { token: guest.access_token })).body.capabilities;
    expect(caps["m.change_password"]).toEqual({ enabled: false });
    expect(caps["m.set_avatar_url"]).toEqual({ enabled: false });
    expect(caps["m.profile_fields"]).toEqual({ enabled: true, allowed: ["displayname"] });
  });

  test("needs a token", async () => {
    expect((await createTestServer().get("/_matrix/client/v3/capabilities")).status).toBe(401);
  });
});
