import { describe, expect, test } from "bun:test";
import { compileAppservice, exclusiveClash, sampleIds } from "../../../src/core/appservices/namespaces.ts";
import { parseRegistrationFile, RegistrationError, toStored } from "../../../src/core/appservices/registration-file.ts";

const IRC = `
id: "IRC Bridge"
url: "http://127.0.0.1:1234/"
as_token: "30c05ae90a248a4188e620216fa72e349803310ec83e2a77b34fe90be6081f46"
hs_token: "312df522183efd404ec1cd22d2ffa4bbc76a8c1ccf541dd692eef281356bb74e"
sender_localpart: "_irc_bot"
namespaces:
  users:
    - exclusive: true
      regex: "@_irc_bridge_.*"
  aliases:
    - exclusive: false
      regex: "#_irc_bridge_.*"
  rooms: []
`;

function problems(text: string): string[] {
  try {
    parseRegistrationFile(text, "bridge.yaml");
  } catch (error) {
    if (error instanceof RegistrationError) return error.problems;
    throw error;
  }
  return [];
}

describe("registration files", () => {
  test("the spec's example parses, with defaults for what it leaves out", () => {
    const registration = parseRegistrationFile(IRC, "irc.yaml");
    expect(registration).toMatchObject({
      id: "IRC Bridge",
      url: "http://127.0.0.1:1234",
      sender_localpart: "_irc_bot",
      rate_limited: true,
      protocols: [],
      receive_ephemeral: false,
      legacy_ephemeral: false,
      device_extensions: false,
      device_management: false,
    });
    expect(registration.namespaces.aliases).toEqual([{ exclusive: false, regex: "#_irc_bridge_.*" }]);
  });

  test("the unstable flags bridges write are read", () => {
    const registration = parseRegistrationFile(
      `${IRC}url: null\nreceive_ephemeral: true\nde.sorunome.msc2409.push_ephemeral: true\norg.matrix.msc3202: true\nio.element.msc4190: true\nrate_limited: false\nprotocols: [irc]\n`.replace(
        'url: "http://127.0.0.1:1234/"\n',
        "",
      ),
      "x.yaml",
    );
    expect(registration).toMatchObject({
      url: null,
      receive_ephemeral: true,
      legacy_ephemeral: true,
      device_extensions: true,
      device_management: true,
      rate_limited: false,
      protocols: ["irc"],
    });
    expect(parseRegistrationFile(`${IRC}push_ephemeral: true\norg.matrix.msc4190: true\n`, "x").receive_ephemeral).toBe(
      true,
    );
  });

  test("every problem is named, and a missing url says how to ask for no traffic", () => {
    const found = problems(
      `id: x\nas_token: 123\nsender_localpart: "Bad Name"\nnamespaces:\n  users:\n    - regex: "@a.*"\n`,
    );
    expect(found).toContain("url is missing (write url: null for an appservice that receives no traffic)");
    expect(found).toContain("hs_token is missing");
    expect(found).toContain("as_token must be a non-empty string (quote tokens made only of digits)");
    expect(found.some((p) => p.startsWith("namespaces.users[0].exclusive is missing"))).toBe(true);
  });

  test("an invalid regex, a bad url, a bad sender and equal tokens are refused", () => {
    const text = IRC.replace('"@_irc_bridge_.*"', '"@_irc_(bridge"')
      .replace('"http://127.0.0.1:1234/"', '"ftp://example.org"')
      .replace('"_irc_bot"', '"IRC Bot"')
      .replace(
        "312df522183efd404ec1cd22d2ffa4bbc76a8c1ccf541dd692eef281356bb74e",
        "30c05ae90a248a4188e620216fa72e349803310ec83e2a77b34fe90be6081f46",
      );
    const found = problems(text);
    expect(
      found.some((p) => p.startsWith('namespaces.users[0].regex "@_irc_(bridge" is not a valid regular expression')),
    ).toBe(true);
    expect(found).toContain('url must be an http(s) URL or null (got "ftp://example.org")');
    expect(found.some((p) => p.startsWith('sender_localpart "IRC Bot" is not a valid localpart'))).toBe(true);
    expect(found).toContain("as_token and hs_token must differ");
  });

  test("YAML syntax errors and non-mappings are refused with the file name", () => {
    expect(() => parseRegistrationFile("id: [unclosed", "broken.yaml")).toThrow(
      "application service registration broken.yaml: not valid YAML",
    );
    expect(problems("- a list")).toEqual([
      "the file must hold a YAML mapping (id, url, as_token, hs_token, sender_localpart, namespaces)",
    ]);
  });

  test("the stored form leaves the as_token out", () => {
    expect("as_token" in toStored(parseRegistrationFile(IRC, "x"))).toBe(false);
  });
});

describe("namespaces", () => {
  const appservice = compileAppservice(toStored(parseRegistrationFile(IRC, "x")), "example.org");

  test("a regex matches from the start of the id; users must be local", () => {
    expect(appservice.isInterestedInUser("@_irc_bridge_bob:example.org")).toBe(true);
    expect(appservice.isInterestedInUser("@x_irc_bridge_bob:example.org")).toBe(false);
    expect(appservice.isInterestedInUser("@_irc_bridge_bob:elsewhere.org")).toBe(false);
    expect(appservice.isInterestedInUser("@_irc_bot:example.org")).toBe(true);
    expect(appservice.isExclusiveUser("@_irc_bridge_bob:example.org")).toBe(true);
    expect(appservice.isInterestedInAlias("#_irc_bridge_chan:example.org")).toBe(true);
    expect(appservice.isExclusiveAlias("#_irc_bridge_chan:example.org")).toBe(false);
  });

  test("sample ids come from each alternative's literal prefix", () => {
    expect(sampleIds("@_irc_.*", "users", "hs")).toContain("@_irc_x:hs");
    expect(sampleIds("^@_a\\.b_.*:hs|@_c_[0-9]+", "users", "hs")).toEqual(
      expect.arrayContaining(["@_a.b_x", "@_c_x:hs"]),
    );
  });

  test("exclusive namespaces clash when identical, nested, or covering the other's sender", () => {
    const base = {
      id: "a",
      url: null,
      hs_token: "h",
      rate_limited: true,
      protocols: [],
      receive_ephemeral: false,
      legacy_ephemeral: false,
      device_extensions: false,
      device_management: false,
    };
    const make = (id: string, sender: string, users: { regex: string; exclusive: boolean }[]) => ({
      ...base,
      id,
      sender_localpart: sender,
      namespaces: { users, aliases: [], rooms: [] },
    });
    const a = make("a", "a_bot", [{ regex: "@_irc_.*", exclusive: true }]);
    expect(exclusiveClash(a, make("b", "b_bot", [{ regex: "@_irc_.*", exclusive: true }]), "hs")).toContain("overlaps");
    expect(exclusiveClash(a, make("b", "b_bot", [{ regex: "@_irc_bridge_.*", exclusive: true }]), "hs")).toContain(
      "overlaps",
    );
    expect(exclusiveClash(a, make("b", "_irc_bot", []), "hs")).toContain("sender @_irc_bot:hs");
    expect(exclusiveClash(a, make("b", "b_bot", [{ regex: "@_irc_.*", exclusive: false }]), "hs")).toBeUndefined();
    expect(exclusiveClash(a, make("b", "b_bot", [{ regex: "@_slack_.*", exclusive: true }]), "hs")).toBeUndefined();
  });
});
