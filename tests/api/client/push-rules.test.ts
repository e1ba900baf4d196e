import { describe, expect, test } from "bun:test";
import { createUser } from "../../support/fixtures.ts";
import { createTestServer } from "../../support/server.ts";

describe("GET /pushrules/", () => {
  test("answers the spec's server-default rules for the user", async () => {
    const server = createTestServer();
    const user = await createUser(server, "alice");
    const res = await server.get("/_matrix/client/v3/pushrules/", { token: user.access_token });
    expect(res.status).toBe(200);
    const global = res.body.global;
    expect(Object.keys(global).sort()).toEqual(["content", "override", "room", "sender", "underride"]);
    expect(global.override.map((r: { rule_id: string }) => r.rule_id)).toEqual([
      ".m.rule.master",
      ".m.rule.suppress_notices",
      ".m.rule.invite_for_me",
      ".m.rule.member_event",
      ".m.rule.is_user_mention",
      ".m.rule.is_room_mention",
      ".m.rule.tombstone",
      ".m.rule.reaction",
      ".m.rule.room.server_acl",
      ".m.rule.suppress_edits",
    ]);
    expect(global.underride.map((r: { rule_id: string }) => r.rule_id)).toEqual([
      ".m.rule.call",
      ".m.rule.encrypted_room_one_to_one",
      ".m.rule.room_one_to_one",
      ".m.rule.message",
      ".m.rule.encrypted",
    ]);
    expect(global.override[0]).toEqual({ rule_id: ".m.rule.master", default: true, enabled: false, conditions: [], actions: [] });
    const invite = global.override.find((r: { rule_id: string }) => r.rule_id === ".m.rule.invite_for_me");
    expect(invite.conditions).toContainEqual({ kind: "event_match", key: "state_key", pattern: "@alice:test.local" });
    const mention = global.override.find((r: { rule_id: string }) => r.rule_id === ".m.rule.is_user_mention");
    expect(mention).toEqual({
      rule_id: ".m.rule.is_user_mention",
      default: true,
      enabled: true,
      conditions: [{ kind: "event_property_contains", key: "content.m\\.mentions.user_ids", value: "@alice:test.local" }],
      actions: ["notify", { set_tweak: "sound", value: "default" }, { set_tweak: "highlight" }],
    });
    expect((await server.get("/_matrix/client/v3/pushrules/global/", { token: user.access_token })).body).toEqual(global);
  });

  test("needs a token", async () => {
    expect((await createTestServer().get("/_matrix/client/v3/pushrules/")).body.errcode).toBe("M_MISSING_TOKEN");
  });
});
