/**
 * Another homeserver, as far as the LiveKit authorization service sees one: an HTTPS
 * server on 127.0.0.1 whose server name is `127.0.0.1:<port>` (an explicit port, so
 * federation discovery goes straight to it), answering openid/userinfo from a token table.
 * Its certificate is self-signed, made with the openssl command (Debian package `openssl`,
 * provisioned by tests/peers/provision.ts); while it runs, TLS verification is off in this process.
 */
import { join } from "node:path";
import { tempDir } from "./server.ts";
import { closeAfterUse } from "./teardown.ts";

export interface FakeRemoteHomeserver {
  serverName: string;
  /** OpenID token → the `sub` this server vouches for. */
  tokens: Map<string, string>;
  requests: string[];
  stop: () => Promise<void>;
}

export async function startFakeRemoteHomeserver(): Promise<FakeRemoteHomeserver> {
  const openssl = Bun.which("openssl");
  if (!openssl)
    throw new Error("openssl not found: the remote-user tests need it for a TLS certificate (apt-get install openssl)");
  const dir = tempDir("bunduit-remote-hs-");
  const [key, cert] = [join(dir.path, "key.pem"), join(dir.path, "cert.pem")];
  const made = Bun.spawnSync([
    openssl,
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    key,
    "-out",
    cert,
    "-days",
    "1",
    "-subj",
    "/CN=127.0.0.1",
    "-addext",
    "subjectAltName=IP:127.0.0.1",
  ]);
  if (made.exitCode !== 0) throw new Error(`openssl failed: ${made.stderr.toString()}`);

  const tokens = new Map<string, string>();
  const requests: string[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    tls: { key: Bun.file(key), cert: Bun.file(cert) },
    fetch(request) {
      const url = new URL(request.url);
      requests.push(`${request.method} ${url.pathname}`);
      if (url.pathname !== "/_matrix/federation/v1/openid/userinfo")
        return Response.json({ errcode: "M_UNRECOGNIZED" }, { status: 404 });
      const sub = tokens.get(url.searchParams.get("access_token") ?? "");
      return sub
        ? Response.json({ sub })
        : Response.json({ errcode: "M_UNKNOWN_TOKEN", error: "unknown" }, { status: 401 });
    },
  });
  const previous = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";

  return {
    serverName: `127.0.0.1:${server.port}`,
    tokens,
    requests,
    stop: closeAfterUse(async () => {
      if (previous === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      else process.env.NODE_TLS_REJECT_UNAUTHORIZED = previous;
      await server.stop(true);
      dir.remove();
    }),
  };
}
