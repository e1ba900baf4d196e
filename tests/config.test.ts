import { describe, expect, test } from "bun:test";
import { ConfigError, loadConfig, maskSecrets } from "../src/config.ts";

function problems(text: string, env: Record<string, string> = {}): string[] {
  try {
    loadConfig(text, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected the config to be refused");
}

describe("conduit.toml", () => {
  test("an empty file gives the documented defaults", () => {
    const { config, warnings } = loadConfig("");
    expect(config.server_name).toBe("localhost");
    expect(config.address).toBe("127.0.0.1");
    expect(config.port).toBe(6167);
    expect(config.database_path).toBe("./data");
    expect(config.max_request_size).toBe(20_000_000);
    expect(config.allow_registration).toBe(false);
    expect(warnings).toEqual([]);
    expect(Object.isFrozen(config)).toBe(true);
  });

  test("a Conduit operator's file is accepted with Conduit's meaning", () => {
    const { config, warnings } = loadConfig(`
[global]
server_name = "example.org"
database_path = "/var/lib/matrix-conduit/"
database_backend = "sqlite"
port = 6167
max_request_size = 20_000_000
allow_registration = true
allow_federation = false
trusted_servers = ["matrix.org"]
address = "127.0.0.1"
log = "warn,state_res=warn"
`);
    expect(config.server_name).toBe("example.org");
    expect(config.database_path).toBe("/var/lib/matrix-conduit/");
    expect(config.allow_registration).toBe(true);
    expect(warnings).toEqual([]);
  });

  test("the flat and the table TURN keys are both accepted", () => {
    const flat = loadConfig(
      `[global]\nturn_uris = ["turn:t.example.org?transport=udp"]\nturn_secret = "s3"\nturn_ttl = 600\n`,
    ).config;
    expect(flat.turn_uris).toEqual(["turn:t.example.org?transport=udp"]);
    expect(flat.turn_secret).toBe("s3");
    expect(flat.turn_ttl).toBe(600);
    const table = loadConfig(
      `[global.turn]\nuris = ["turns:t.example.org"]\nusername = "u"\npassword = "p"\nttl = 60\n`,
    ).config;
    expect(table.turn).toEqual({ uris: ["turns:t.example.org"], secret: "", username: "u", password: "p", ttl: 60 });
  });

  test("a wrong type names the key path and the line", () => {
    const [problem] = problems(`[global]\nserver_name = "example.org"\n\nport = "eighty"\n`);
    expect(problem).toContain("conduit.toml:4");
    expect(problem).toContain("port");
    expect(problem).toContain("integer");
  });

  test("every problem is reported at once, including nested tables", () => {
    const found = problems(`[global]\nport = 70000\nallow_registration = "yes"\n[global.turn]\nttl = 0\n`);
    expect(found.length).toBe(3);
    expect(found.some((p) => p.includes("turn.ttl") && p.includes("conduit.toml:5"))).toBe(true);
  });

  test("a TOML syntax error gives the line and column", () => {
    const [problem] = problems(`[global]\nserver_name = = "x"\n`);
    expect(problem).toMatch(/conduit\.toml:2:\d+: TOML syntax error/);
  });

  test("rocksdb is refused with a clear message", () => {
    expect(problems(`[global]\ndatabase_backend = "rocksdb"\n`)[0]).toContain("only");
    expect(problems(`[global]\ndatabase_backend = "rocksdb"\n`)[0]).toContain("SQLite");
  });

  test("unknown keys and tables are warned about by name and dropped", () => {
    const { config, warnings } = loadConfig(
      `[other]\nx = 1\n[global]\nservr_name = "typo"\n[global.well_known]\nclien = "x"\n`,
    );
    expect(warnings.some((w) => w.includes('"servr_name"'))).toBe(true);
    expect(warnings.some((w) => w.includes('"well_known.clien"'))).toBe(true);
    expect(warnings.some((w) => w.includes('"other"'))).toBe(true);
    expect("servr_name" in config).toBe(false);
  });

  test("CONDUIT_* environment variables override [global] keys", () => {
    const { config } = loadConfig(`[global]\nport = 1234\nserver_name = "file.org"\n`, {
      CONDUIT_PORT: "8008",
      CONDUIT_SERVER_NAME: "example.org",
      CONDUIT_ALLOW_REGISTRATION: "true",
      CONDUIT_TRUSTED_SERVERS: '["a.org", "b.org"]',
      CONDUIT_WELL_KNOWN_CLIENT: "https://matrix.example.org",
      CONDUIT_TURN__SECRET: "from-env",
      CONDUIT_CONFIG: "ignored.toml",
    });
    expect(config.port).toBe(8008);
    expect(config.server_name).toBe("example.org");
    expect(config.allow_registration).toBe(true);
    expect(config.trusted_servers).toEqual(["a.org", "b.org"]);
    expect(config.well_known.client).toBe("https://matrix.example.org");
    expect(config.turn?.secret).toBe("from-env");
  });

  test("an environment override with a bad value is refused like a file value", () => {
    expect(problems("", { CONDUIT_PORT: "eighty" })[0]).toContain("port");
  });

  test("check-config masks secrets", () => {
    const { config } = loadConfig(
      `[global]\nregistration_token = "hunter2"\nturn_secret = "s"\n[global.turn]\npassword = "p"\n`,
    );
    const masked = JSON.stringify(maskSecrets(config));
    expect(masked).not.toContain("hunter2");
    expect(masked).not.toContain('"p"');
    expect(masked).toContain("********");
  });
});

describe("accounts settings", () => {
  test("rate limits and the refreshable token lifetime have defaults and can be set", () => {
    const defaults = loadConfig("").config;
    expect(defaults.rate_limits).toEqual({
      enabled: true,
      registration: { per_second: 0.17, burst: 3 },
      login: { per_second: 0.1, burst: 10 },
      message: { per_second: 10, burst: 50 },
      delayed_event_management: { per_second: 1, burst: 20 },
    });
    expect(defaults.refreshable_access_token_lifetime).toBe(300_000);
    const { config, warnings } = loadConfig(
      `[global]\nrefreshable_access_token_lifetime = 60000\n[global.rate_limits]\nlogin = { per_second = 1, burst = 2 }\n`,
    );
    expect(warnings).toEqual([]);
    expect(config.rate_limits.login).toEqual({ per_second: 1, burst: 2 });
    expect(config.rate_limits.registration).toEqual({ per_second: 0.17, burst: 3 });
    expect(config.refreshable_access_token_lifetime).toBe(60_000);
  });

  test("bad rate limits are refused", () => {
    expect(problems(`[global.rate_limits]\nlogin = { per_second = 0, burst = 1 }\n`).join()).toContain(
      "rate_limits.login.per_second",
    );
    expect(problems(`[global.rate_limits]\nmessage = { burst = 0 }\n`).join()).toContain("rate_limits.message.burst");
  });

  test("a registration token without allow_registration is warned about", () => {
    expect(loadConfig(`[global]\nregistration_token = "t"\n`).warnings.join()).toContain("registration stays closed");
    expect(loadConfig(`[global]\nregistration_token = "t"\nallow_registration = true\n`).warnings).toEqual([]);
  });

  test("the example conduit.toml, with the accounts keys uncommented, loads without warnings", async () => {
    const text = (await Bun.file(new URL("../conduit.toml", import.meta.url)).text()).replace(
      /^# (registration|login|message|refreshable_access_token_lifetime) = /gm,
      "$1 = ",
    );
    const { config, warnings } = loadConfig(text);
    expect(warnings).toEqual([]);
    expect(config.rate_limits.login).toEqual({ per_second: 0.1, burst: 10 });
  });
});

describe("delayed events settings", () => {
  test("have defaults, and the example conduit.toml's commented keys load without warnings", async () => {
    expect(loadConfig("").config.delayed_events).toEqual({ max_delay_ms: 86_400_000, max_per_user: 100 });
    const text = (await Bun.file(new URL("../conduit.toml", import.meta.url)).text()).replace(
      /^# (\[global\.delayed_events\]|max_delay_ms = |max_per_user = |delayed_event_management = )/gm,
      "$1",
    );
    const { config, warnings } = loadConfig(text);
    expect(warnings).toEqual([]);
    expect(config.delayed_events).toEqual({ max_delay_ms: 86_400_000, max_per_user: 100 });
    expect(config.rate_limits.delayed_event_management).toEqual({ per_second: 1, burst: 20 });
  });

  test("a delay of 0 or a negative cap is refused; the environment sets them", () => {
    expect(() => loadConfig(`[global.delayed_events]\nmax_delay_ms = 0\n`)).toThrow(ConfigError);
    expect(() => loadConfig(`[global.delayed_events]\nmax_per_user = -1\n`)).toThrow(ConfigError);
    expect(loadConfig("", { CONDUIT_DELAYED_EVENTS_MAX_PER_USER: "0" }).config.delayed_events.max_per_user).toBe(0);
  });
});

describe("settings that would start a broken or open server are refused at load", () => {
  test("an empty registration_token, in the file or the environment, says what to do instead", () => {
    for (const found of [
      problems(`[global]\nallow_registration = true\nregistration_token = ""\n`),
      problems("", { CONDUIT_REGISTRATION_TOKEN: "" }),
    ]) {
      expect(found).toHaveLength(1);
      expect(found[0]).toContain("registration_token is empty");
      expect(found[0]).toContain("openssl rand -hex 32");
      expect(found[0]).toContain("remove the key");
    }
    expect(problems(`[global]\nregistration_token = "  "\n`)[0]).toContain("conduit.toml:2");
    expect(problems("", { CONDUIT_REGISTRATION_TOKEN: "" })[0]).toStartWith(
      'environment variable CONDUIT_REGISTRATION_TOKEN="":',
    );
  });

  test("server_name must follow the spec's server-name grammar", () => {
    const [problem] = problems(`[global]\nserver_name = "not a valid name!"\n`);
    expect(problem).toStartWith("conduit.toml:2: [global] server_name:");
    expect(problem).toContain('contains " "');
    expect(problem).toContain("IPv4");
    for (const bad of ["", "example.org:", "example.org:123456", "[::1", "[not-ipv6]", "exa_mple.org", "300.1.1.1"]) {
      expect(problems("", { CONDUIT_SERVER_NAME: JSON.stringify(bad) }).join()).toContain("server_name");
    }
    for (const good of [
      "example.org",
      "matrix.example.org:8448",
      "localhost",
      "1.2.3.4",
      "[::1]",
      "[1234:5678::abcd]:443",
      "Example.ORG",
    ]) {
      expect(loadConfig(`[global]\nserver_name = ${JSON.stringify(good)}\n`).config.server_name).toBe(good);
    }
  });

  test("an empty database_path is refused", () => {
    expect(problems(`[global]\ndatabase_path = ""\n`)[0]).toContain("database_path");
  });

  test("a bad CONDUIT_* variable is blamed on the variable, even when the file sets the same key", () => {
    const found = problems(`[global]\nport = 8008\n[global.turn]\nttl = 60\n`, {
      CONDUIT_PORT: "eighty",
      CONDUIT_TURN__TTL: "0",
    });
    expect(found).toHaveLength(2);
    expect(found.find((p) => p.includes("port"))).toStartWith(
      'environment variable CONDUIT_PORT="eighty": [global] port:',
    );
    expect(found.find((p) => p.includes("turn.ttl"))).toStartWith(
      'environment variable CONDUIT_TURN__TTL="0": [global] turn.ttl:',
    );
    expect(found.join()).not.toContain("conduit.toml:");
    // The file's own mistakes still point at their line.
    expect(problems(`[global]\nport = "x"\n`, { CONDUIT_SERVER_NAME: "example.org" })[0]).toStartWith(
      "conduit.toml:2:",
    );
  });

  test("a file with settings but no [global] table is refused rather than run on defaults", () => {
    const [problem] = problems(`server_name = "example.org"\nallow_registration = false\n`);
    expect(problem).toContain("no [global] table");
    expect(problem).toContain('Add "[global]"');
    expect(problems(`[glboal]\nserver_name = "example.org"\n`)[0]).toContain("no [global] table");
    // A table under [global] is enough; no text at all (no file) means the defaults.
    expect(loadConfig(`[global.media]\n`).warnings).toEqual([]);
    expect(loadConfig("").config.server_name).toBe("localhost");
  });
});
