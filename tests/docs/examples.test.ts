/**
 * docs/examples: the Element Call deployment (docker-compose.yml with bunduit, LiveKit,
 * coturn and Caddy). Docker is not run here; what can be checked without it is: every file
 * parses, the example conduit.toml loads through the real config loader without a warning,
 * the secrets, keys, hosts and ports the four services share agree across the files, and
 * the real coturn started with coturn.conf accepts the TURN credentials bunduit issues from
 * conduit.toml (and refuses others).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadConfig, type Config } from "../../src/config.ts";
import { systemClock } from "../../src/core/clock.ts";
import { createTurnCredentials, turnRestPassword } from "../../src/core/voip/turn-credentials.ts";
import { startCoturnWithConfigFile, type Coturn } from "../support/coturn.ts";

const REPO = resolve(import.meta.dir, "../..");
const EXAMPLES = join(REPO, "docs/examples");
const read = (name: string) => Bun.file(join(EXAMPLES, name)).text();

interface ComposeService {
  image?: string;
  build?: { context?: string };
  command?: string;
  network_mode?: string;
  ports?: string[];
  volumes?: string[];
  extra_hosts?: string[];
}
interface LiveKitTurnServer {
  host: string;
  port: number;
  protocol: "udp" | "tcp" | "tls";
  secret?: string;
  ttl?: number;
}
interface LiveKitConfig {
  port: number;
  bind_addresses?: string[];
  rtc: { udp_port: number; tcp_port: number; turn_servers: LiveKitTurnServer[] };
  keys: Record<string, string>;
  room: { auto_create: boolean };
  webhook: { api_key: string; urls: string[] };
}

/** A Caddyfile's site blocks and, in each, its `handle`/`handle_path` routes to `reverse_proxy` upstreams. */
interface CaddyRoute {
  directive: string;
  matcher: string;
  upstream?: string;
  /** The route's other lines (respond, file_server, …). */
  body: string[];
}

function parseCaddyfile(text: string): Map<string, CaddyRoute[]> {
  const sites = new Map<string, CaddyRoute[]>();
  let site: CaddyRoute[] | undefined;
  let route: CaddyRoute | undefined;
  let depth = 0;
  for (const raw of text.split("\n")) {
    const line = raw.replace(/(^|\s)#.*$/, "").trim();
    if (line === "") continue;
    if (line === "}") {
      depth--;
      if (depth === 1) route = undefined;
      if (depth === 0) site = undefined;
      continue;
    }
    const opens = line.endsWith("{");
    const words = line.replace(/\{$/, "").trim().split(/\s+/);
    if (depth === 0 && opens) {
      site = [];
      sites.set(words[0] ?? "", site);
    } else if (depth === 1 && opens && site) {
      route = { directive: words[0] ?? "", matcher: words[1] ?? "", body: [] };
      site.push(route);
    } else if (depth === 2 && route) {
      if (words[0] === "reverse_proxy") route.upstream = words[1];
      else route.body.push(line);
    }
    if (opens) depth++;
  }
  expect(depth).toBe(0);
  return sites;
}

/** coturn's `key=value` and bare `flag` lines; repeated keys keep every value. */
function parseCoturnConf(text: string): Map<string, string[]> {
  const options = new Map<string, string[]>();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const [key = "", value = ""] = line.split(/=(.*)/s);
    options.set(key, [...(options.get(key) ?? []), value]);
  }
  return options;
}

/** The Dockerfile's `ENV NAME=value …` settings: what every container of the image gets. */
const compose = Bun.YAML.parse(await read("docker-compose.yml")) as {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
};
const liveKit = Bun.YAML.parse(await read("livekit.yaml")) as LiveKitConfig;
const conduitText = await read("conduit.toml");
const coturn = parseCoturnConf(await read("coturn.conf"));
const caddy = parseCaddyfile(await read("Caddyfile"));
const loaded = loadConfig(conduitText, {}, "docs/examples/conduit.toml");
const config: Config = loaded.config;
const services = compose.services;
const bunduit = services.bunduit as ComposeService;

const one = (key: string) => {
  const values = coturn.get(key);
  expect(values).toHaveLength(1);
  return values?.[0] as string;
};
const hostOf = (url: string) => new URL(url).hostname;
/** The host port bunduit is published on: the one `127.0.0.1:H:C` entry, C being conduit.toml's port. */
const bunduitHostPort = (() => {
  expect(bunduit.ports).toHaveLength(1);
  const [address, host, container] = (bunduit.ports?.[0] ?? "").split(":");
  expect(address).toBe("127.0.0.1");
  expect(Number(container)).toBe(config.port);
  return Number(host);
})();
const bunduitUpstream = `127.0.0.1:${bunduitHostPort}`;

describe("docs/examples/conduit.toml", () => {
  test("loads with the real config loader, without a warning", () => {
    expect(loaded.warnings).toEqual([]);
  });

  test("replaces the image's own conduit.toml and keeps what a container needs: every address, the data volume", async () => {
    const image = loadConfig(
      await Bun.file(join(REPO, "docker/conduit.toml")).text(),
      {},
      "docker/conduit.toml",
    ).config;
    expect(bunduit.volumes).toContain("./conduit.toml:/etc/bunduit/conduit.toml:ro");
    expect(config.address).toBe(image.address);
    expect(config.database_path).toBe(image.database_path);
    expect(bunduit.volumes).toContain(`bunduit-data:${config.database_path}`);
  });

  test("switches on the built-in LiveKit authorization service and TURN with a shared secret", () => {
    const rtc = config.matrix_rtc;
    expect(rtc.transports).toEqual([]);
    expect([rtc.livekit_url, rtc.livekit_api_key, rtc.livekit_api_secret].every(Boolean)).toBe(true);
    expect(config.turn_secret).not.toBe("");
    expect(config.turn_uris.length).toBeGreaterThan(0);
  });
});

describe("docs/examples/docker-compose.yml", () => {
  test("runs bunduit, LiveKit, coturn and Caddy; images are official names with no registry host", () => {
    expect(Object.keys(services).sort()).toEqual(["bunduit", "caddy", "coturn", "livekit"]);
    for (const [name, service] of Object.entries(services)) {
      const image = service.image ?? "";
      expect(image).not.toBe("");
      // A registry host would be a first path component with a dot or a port, or localhost.
      const first = image.split("/")[0] ?? "";
      expect(
        image.includes("/") && (/[.:]/.test(first) || first === "localhost") ? `${name}: ${image}` : "no registry host",
      ).toBe("no registry host");
    }
    expect(services.livekit?.image).toStartWith("livekit/livekit-server:");
    expect(services.coturn?.image).toStartWith("coturn/coturn:");
    expect(services.caddy?.image).toStartWith("caddy:");
  });

  test("builds bunduit from this repository's Dockerfile and mounts conduit.toml where the image reads it", async () => {
    expect(resolve(EXAMPLES, bunduit.build?.context ?? "")).toBe(REPO);
    const dockerfile = await Bun.file(join(REPO, "Dockerfile")).text();
    const workdir = [...dockerfile.matchAll(/^WORKDIR (\S+)$/gm)].at(-1)?.[1];
    expect(bunduit.volumes).toContain(`./conduit.toml:${workdir}/conduit.toml:ro`);
    expect(bunduit.volumes?.some((volume) => volume.endsWith(`:${config.database_path}`))).toBe(true);
  });

  test("mounts each example file where its program reads it, and every mounted file exists", () => {
    const configFlag = /--config (\S+)/.exec(services.livekit?.command ?? "")?.[1];
    expect(services.livekit?.volumes).toContain(`./livekit.yaml:${configFlag}:ro`);
    expect(services.coturn?.volumes).toContain("./coturn.conf:/etc/coturn/turnserver.conf:ro");
    expect(services.caddy?.volumes).toContain("./Caddyfile:/etc/caddy/Caddyfile:ro");
    const named = Object.keys(compose.volumes ?? {});
    for (const service of Object.values(services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(":")[0] ?? "";
        if (!source.startsWith(".")) {
          expect(named).toContain(source);
          continue;
        }
        // Directories Docker creates when missing: coturn's certificates (it starts without them).
        if (source === "./turn-certs") continue;
        expect(
          existsSync(resolve(EXAMPLES, source)) && statSync(resolve(EXAMPLES, source)).isFile()
            ? source
            : `${source} is missing`,
        ).toBe(source);
      }
    }
  });

  test("LiveKit, coturn and Caddy share the host's network, where bunduit's loopback port is", () => {
    for (const name of ["livekit", "coturn", "caddy"]) expect(services[name]?.network_mode).toBe("host");
    expect(bunduit.network_mode).toBeUndefined();
    // bunduit reaches LiveKit's room service API at livekit_url, through Caddy on the host.
    expect(bunduit.extra_hosts).toContain(`${hostOf(config.matrix_rtc.livekit_url ?? "")}:host-gateway`);
  });

  test("coturn's certificate files are in the directory mounted for them", () => {
    const mount = services.coturn?.volumes?.find((volume) => volume.startsWith("./turn-certs:"))?.split(":")[1];
    expect(mount).toBeDefined();
    expect(one("cert")).toStartWith(`${mount}/`);
    expect(one("pkey")).toStartWith(`${mount}/`);
  });
});

describe("docs/examples/livekit.yaml agrees with conduit.toml and coturn.conf", () => {
  test("the API key pair is bunduit's livekit_api_key and livekit_api_secret", () => {
    const { livekit_api_key: key, livekit_api_secret: secret } = config.matrix_rtc;
    expect(liveKit.keys).toEqual({ [key as string]: secret as string });
    // LiveKit wants secrets of at least 32 characters.
    expect((secret ?? "").length).toBeGreaterThanOrEqual(32);
  });

  test("webhooks are signed with that key and reach bunduit's /livekit/jwt/sfu_webhook on the published port", () => {
    expect(liveKit.webhook.api_key).toBe(config.matrix_rtc.livekit_api_key as string);
    expect(liveKit.webhook.urls).toEqual([`http://${bunduitUpstream}/livekit/jwt/sfu_webhook`]);
  });

  test("rooms are created by bunduit only", () => {
    expect(liveKit.room.auto_create).toBe(false);
  });

  test("its TURN servers are coturn, with coturn's secret, on the ports and transports bunduit's turn_uris name", () => {
    const turnSecret = one("static-auth-secret");
    expect(coturn.has("use-auth-secret")).toBe(true);
    expect(config.turn_secret).toBe(turnSecret);
    const asUris = liveKit.rtc.turn_servers.map(({ host, port, protocol, secret, ttl }) => {
      expect(secret).toBe(turnSecret);
      // LiveKit caps the credentials' lifetime at a day.
      expect(ttl ?? 0).toBeLessThanOrEqual(86400);
      return protocol === "tls" ? `turns:${host}:${port}?transport=tcp` : `turn:${host}:${port}?transport=${protocol}`;
    });
    expect(asUris.sort()).toEqual([...config.turn_uris].sort());
  });

  test("its media ports stay out of coturn's relay range", () => {
    const [min, max] = [Number(one("min-port")), Number(one("max-port"))];
    for (const port of [liveKit.rtc.udp_port, liveKit.rtc.tcp_port, liveKit.port]) {
      expect(port < min || port > max).toBe(true);
    }
  });

  test("its signalling port listens on loopback only, for Caddy", () => {
    expect(liveKit.bind_addresses).toEqual(["127.0.0.1"]);
  });
});

describe("docs/examples/coturn.conf agrees with bunduit's turn_uris", () => {
  test("realm and server name are the TURN host; the listening ports are the URIs' ports", () => {
    const uris = config.turn_uris.map((uri) => /^(turns?):([^:?]+):(\d+)\?transport=(udp|tcp)$/.exec(uri));
    expect(uris.every(Boolean)).toBe(true);
    const hosts = new Set(uris.map((match) => match?.[2]));
    expect([...hosts]).toEqual([one("realm")]);
    expect(one("server-name")).toBe(one("realm"));
    for (const match of uris) {
      expect(match?.[3]).toBe(match?.[1] === "turns" ? one("tls-listening-port") : one("listening-port"));
    }
  });
});

describe("docs/examples/Caddyfile routes to bunduit and LiveKit as the other files expect", () => {
  const routes = (host: string) => {
    const site = caddy.get(host);
    expect(site ? host : `no site for ${host}`).toBe(host);
    return site ?? [];
  };
  const route = (host: string, matcher: string) => routes(host).find((candidate) => candidate.matcher === matcher);

  test("the server name serves bunduit's well-known documents", () => {
    expect(route(config.server_name, "/.well-known/matrix/*")).toMatchObject({
      directive: "handle",
      upstream: bunduitUpstream,
    });
  });

  test("well_known.client's host routes the Matrix APIs and the built-in service, path unchanged, to bunduit", () => {
    const host = hostOf(config.well_known.client ?? "");
    expect(route(host, "/_matrix/*")).toMatchObject({ directive: "handle", upstream: bunduitUpstream });
    // bunduit serves /livekit/jwt/...: handle_path would strip the prefix.
    expect(route(host, "/livekit/jwt/*")).toMatchObject({ directive: "handle", upstream: bunduitUpstream });
  });

  test("well_known.server's host routes /_matrix (the OpenID userinfo check) to bunduit, on 443", () => {
    const [host, port] = (config.well_known.server ?? "").split(":");
    expect(port).toBe("443");
    expect(route(host as string, "/_matrix/*")).toMatchObject({ upstream: bunduitUpstream });
  });

  test("livekit_url's path is handed to LiveKit's port without its prefix", () => {
    const url = new URL(config.matrix_rtc.livekit_url ?? "");
    expect(url.protocol).toBe("wss:");
    expect(route(url.hostname, `${url.pathname.replace(/\/$/, "")}/*`)).toMatchObject({
      directive: "handle_path",
      upstream: `127.0.0.1:${liveKit.port}`,
    });
  });

  test("the TURN host has a site, so Caddy obtains the certificate coturn uses for TLS", () => {
    expect(routes(one("realm"))).toBeDefined();
  });
});

describe("the example coturn.conf with a real coturn (Debian package coturn)", () => {
  let server: Coturn | undefined;
  afterAll(async () => {
    await server?.stop();
  });

  test("accepts bunduit's credentials from the example conduit.toml and refuses others", async () => {
    server = await startCoturnWithConfigFile(join(EXAMPLES, "coturn.conf"), one("realm"));
    const turn = createTurnCredentials(config, systemClock);
    const credentials = turn.issueTurnCredentials({
      user_id: `@alice:${config.server_name}`,
      device_id: "DEVICE",
      is_guest: false,
    });
    if (!("username" in credentials)) throw new Error("no TURN credentials issued from the example");
    const accepted = await server.allocate(credentials.username, credentials.password);
    expect(accepted.ok ? "allocated" : accepted.output).toBe("allocated");

    const otherSecret = turnRestPassword("not the example's secret", credentials.username);
    const refused = await server.allocate(credentials.username, otherSecret);
    expect(refused.ok).toBe(false);
    // coturn read every line of the file.
    expect(server.log()).not.toContain("Bad configuration format");
  }, 30_000);
});
