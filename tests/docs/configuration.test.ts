import { describe, expect, test } from "bun:test";
import { Type } from "@sinclair/typebox";
import { CONFIGURATION_MD, renderConfiguration } from "../../docs/generate-configuration.ts";
import { GlobalConfigSchema } from "../../src/config.ts";

describe("docs/configuration.md", () => {
  test("matches GlobalConfigSchema (when this fails, run npm run docs:config)", async () => {
    const fresh = (await Bun.file(CONFIGURATION_MD).text()) === renderConfiguration();
    expect(fresh ? "up to date" : "docs/configuration.md is stale: run `npm run docs:config` and commit it").toBe(
      "up to date",
    );
  });

  test("documents every key of the schema with its environment variable", () => {
    const doc = renderConfiguration();
    for (const key of Object.keys(GlobalConfigSchema.properties)) {
      expect(doc).toContain(`CONDUIT_${key.toUpperCase()}`);
    }
    expect(doc).toContain("### `well_known.client`");
    expect(doc).toContain("`CONDUIT_WELL_KNOWN__CLIENT` (or `CONDUIT_WELL_KNOWN_CLIENT`)");
    // The flat turn_uris owns CONDUIT_TURN_URIS, so turn.uris lists only the two-underscore name.
    expect(doc).toContain("- Environment: `CONDUIT_TURN__URIS`\n");
  });
});

describe("the configuration renderer", () => {
  const schema = Type.Object({
    mode: Type.Union([Type.Literal("fast"), Type.Literal("safe")], { description: "How to run.", default: "safe" }),
    hosts: Type.Array(Type.String(), { description: "Hosts.", default: ["a.org"], minItems: 1 }),
    token: Type.Optional(Type.String({ description: "A token." })),
    limits: Type.Record(Type.String(), Type.Integer(), { description: "Limits by name.", default: { login: 5 } }),
    ratio: Type.Number({ description: "A ratio.", default: 0.5, exclusiveMaximum: 1 }),
    either: Type.Union([Type.String(), Type.Array(Type.String())], { description: "One or many.", default: "x" }),
    transports: Type.Array(
      Type.Union([
        Type.Object({
          type: Type.Literal("livekit", { description: "The kind." }),
          url: Type.String({ description: "Where." }),
        }),
        Type.Object({ type: Type.Literal("other", { description: "Another kind." }) }),
      ]),
      { description: "Transports.", default: [] },
    ),
    outer: Type.Object(
      {
        inner: Type.Object(
          { depth: Type.Integer({ description: "Two tables down.", default: 2 }) },
          { description: "Nested twice.", default: {} },
        ),
        flag: Type.Boolean({ description: "A flag.", default: true }),
        by_room: Type.Record(
          Type.String(),
          Type.Object({ max: Type.Integer({ description: "Per room.", default: 1 }) }),
          {
            description: "Per-room settings.",
            default: {},
          },
        ),
      },
      { description: "A table.", default: {} },
    ),
    extra: Type.Optional(
      Type.Object({ on: Type.Boolean({ description: "On.", default: false }) }, { description: "Optional table." }),
    ),
  });
  const doc = renderConfiguration(schema);

  test("literals and unions", () => {
    expect(doc).toContain('- Type: `"fast" | "safe"`\n- Default: `"safe"`');
    expect(doc).toContain("- Type: `string | array of string`");
  });

  test("arrays, records, numbers and their bounds", () => {
    expect(doc).toContain('- Type: `array of string`\n- Default: `["a.org"]`\n- Allowed: at least 1 item');
    expect(doc).toContain("- Type: `table of integer`\n- Default: `{ login = 5 }`");
    expect(doc).toContain("- Type: `number`\n- Default: `0.5`\n- Allowed: < 1");
  });

  test("optional keys and optional tables", () => {
    expect(doc).toContain(
      "### `token`\n\nA token.\n\n- Type: `string`\n- Default: unset\n- Environment: `CONDUIT_TOKEN`",
    );
    expect(doc).toContain("## `[global.extra]`");
    expect(doc).toContain("when it is absent none of its keys apply");
  });

  test("arrays of tables list each variant's fields", () => {
    expect(doc).toContain("- Type: `array of table`\n- Default: `[]`");
    expect(doc).toContain(
      [
        "- Each item is one of these tables:",
        '  - with `type = "livekit"`:',
        '    - `type` ("livekit", required): The kind.',
        "    - `url` (string, required): Where.",
        '  - with `type = "other"`:',
        '    - `type` ("other", required): Another kind.',
      ].join("\n"),
    );
  });

  test("nested tables get sections after the plain keys and CONDUIT_A__B names at any depth", () => {
    expect(doc).toContain("## `[global.outer]`");
    expect(doc).toContain("## `[global.outer.inner]`");
    expect(doc).toContain("- Environment: `CONDUIT_OUTER__INNER__DEPTH`");
    expect(doc).toContain("- Environment: `CONDUIT_OUTER__FLAG` (or `CONDUIT_OUTER_FLAG`)");
    expect(doc).toContain("- Each value is a table with:\n  - `max` (integer, default `1`): Per room.");
    expect(doc.indexOf("## `[global.outer]`")).toBeGreaterThan(doc.indexOf("### `transports`"));
  });

  test("a key without a description is an error naming the key", () => {
    const bad = Type.Object({
      table: Type.Object({ key: Type.String({ default: "" }) }, { description: "T.", default: {} }),
    });
    expect(() => renderConfiguration(bad)).toThrow('config key "table.key" has no description');
  });
});
