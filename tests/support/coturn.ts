/**
 * A real coturn (Debian package `coturn`, which npm test installs: tests/peers/provision.ts) on loopback, and
 * relay allocations against it with turnutils_uclient from the same package. Missing
 * binaries are an error, never a skip: the TURN scheme is only proven against coturn.
 */
import { join } from "node:path";
import { freePort, tempDir } from "./server.ts";
import { closeAfterUse } from "./teardown.ts";

export interface Coturn {
  port: number;
  realm: string;
  /** coturn's log so far (it logs to stdout). */
  log: () => string;
  /** Tries to allocate a relay with these long-term credentials. */
  allocate: (username: string, password: string) => Promise<Allocation>;
  stop: () => Promise<void>;
}

export interface Allocation {
  ok: boolean;
  /** turnutils_uclient's output. */
  output: string;
}

function requireBinary(name: string): string {
  const path = Bun.which(name);
  if (!path)
    throw new Error(
      `${name} not found: the TURN end-to-end test needs the Debian package coturn (apt-get install coturn; npm test installs it as root on Debian: tests/peers/provision.ts)`,
    );
  return path;
}

async function collect(stream: ReadableStream<Uint8Array>, into: (text: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  for await (const chunk of stream) into(decoder.decode(chunk, { stream: true }));
}

/** Starts coturn with use-auth-secret, the way docs/element-call.md configures it, minus TLS. */
export function startCoturn(secret: string, realm = "turn.test.local"): Promise<Coturn> {
  return launchCoturn(
    [
      "-c",
      "/dev/null", // never pick up /etc/turnserver.conf
      "--use-auth-secret",
      `--static-auth-secret=${secret}`,
      `--realm=${realm}`,
      "--no-cli",
      "--allow-loopback-peers",
    ],
    realm,
  );
}

/**
 * Starts coturn with a configuration file as it is (docs/examples/coturn.conf), moved onto
 * loopback: listening and relay addresses, ports, TLS off and its files in a temp
 * directory come from the command line, which wins over the file.
 */
export function startCoturnWithConfigFile(configFile: string, realm: string): Promise<Coturn> {
  return launchCoturn(["-c", configFile], realm);
}

async function launchCoturn(configArgs: string[], realm: string): Promise<Coturn> {
  const turnserver = requireBinary("turnserver");
  const uclient = requireBinary("turnutils_uclient");
  const port = await freePort();
  const relayBase = 40000 + Math.floor(Math.random() * 200) * 100;
  const dir = tempDir("bunduit-coturn-");
  const child = Bun.spawn(
    [
      turnserver,
      ...configArgs,
      "--listening-ip=127.0.0.1",
      `--listening-port=${port}`,
      "--relay-ip=127.0.0.1",
      `--min-port=${relayBase}`,
      `--max-port=${relayBase + 99}`,
      "--no-tls",
      "--no-dtls",
      "--log-file=stdout",
      `--userdb=${join(dir.path, "turndb")}`,
      `--pidfile=${join(dir.path, "turnserver.pid")}`,
    ],
    { stdout: "pipe", stderr: "pipe" },
  );
  let log = "";
  void collect(child.stdout, (text) => (log += text));
  void collect(child.stderr, (text) => (log += text));

  const stop = closeAfterUse(async () => {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 2000);
      await child.exited;
      clearTimeout(killer);
    }
    dir.remove();
  });

  // coturn opens its TCP listener together with the UDP one; once it accepts, it answers.
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`coturn exited with ${child.exitCode}:\n${log}`);
    try {
      const socket = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
      socket.end();
      break;
    } catch {
      if (attempt === 200) {
        await stop();
        throw new Error(`coturn did not start listening on ${port}:\n${log}`);
      }
      await Bun.sleep(25);
    }
  }

  /**
   * Allocation succeeds when uclient reports the relayed address; it is stopped right
   * then, since the packet exchange it goes on to would only test coturn and takes seconds.
   */
  async function allocate(username: string, password: string): Promise<Allocation> {
    const client = Bun.spawn(
      [
        uclient,
        "-v",
        "-y",
        "-c",
        "-n",
        "1",
        "-m",
        "1",
        "-p",
        String(port),
        "-u",
        username,
        "-w",
        password,
        "127.0.0.1",
      ],
      {
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    let output = "";
    const relayed = new Promise<boolean>((resolve) => {
      const check = (text: string) => {
        output += text;
        if (/Received relay addr/.test(output)) resolve(true);
      };
      // Both streams end when uclient exits; by then it has said all it will.
      void Promise.all([collect(client.stdout, check), collect(client.stderr, check)]).then(() => resolve(false));
    });
    const timeout = setTimeout(() => client.kill("SIGKILL"), 10_000);
    const ok = await relayed;
    clearTimeout(timeout);
    if (client.exitCode === null) client.kill("SIGKILL");
    await client.exited;
    return { ok, output };
  }

  return { port, realm, log: () => log, allocate, stop };
}
